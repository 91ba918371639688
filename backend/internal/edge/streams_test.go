package edge

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// customer registers an account through the edge from ip and returns its
// bearer header.
func customer(t *testing.T, c *cluster, ip string) http.Header {
	t.Helper()
	res, body, err := postJSON(context.Background(), clientFrom(ip), c.httpURL, "partsbin.auth.v1.AuthService/Register",
		`{"email":"edge-`+randomHex(5)+`@example.com","password":"Correct-Horse-`+randomHex(4)+`","fullName":"Edge Test"}`, nil)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("register: %s", errString(res, body, err))
	}
	var reg struct {
		Session struct {
			Token string `json:"token"`
		} `json:"session"`
	}
	if err := json.Unmarshal(body, &reg); err != nil || reg.Session.Token == "" {
		t.Fatalf("register: no token in %s", body)
	}
	return http.Header{"Authorization": {"Bearer " + reg.Session.Token}}
}

// call is postJSON that must succeed; it decodes the answer into dst.
func call(t *testing.T, c *cluster, ip, procedure, body string, h http.Header, dst any) {
	t.Helper()
	res, b, err := postJSON(context.Background(), clientFrom(ip), c.httpURL, procedure, body, h)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s", procedure, errString(res, b, err))
	}
	if dst != nil {
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("%s: %v in %s", procedure, err, b)
		}
	}
}

// placeOrder puts one in-stock product in a new customer's cart and orders
// it cash on delivery; it returns the order id and the customer's header.
func placeOrder(t *testing.T, c *cluster, ip string) (string, http.Header) {
	t.Helper()
	auth := customer(t, c, ip)
	var found struct {
		Products []struct {
			ID string `json:"id"`
		} `json:"products"`
	}
	call(t, c, ip, "partsbin.catalog.v1.CatalogService/SearchProducts", `{"inStockOnly":true,"pageSize":1}`, nil, &found)
	if len(found.Products) == 0 {
		t.Fatal("no product in stock")
	}
	call(t, c, ip, "partsbin.cart.v1.CartService/AddItem", `{"productId":"`+found.Products[0].ID+`","quantity":1}`, auth, nil)
	var placed struct {
		Order struct {
			ID string `json:"id"`
		} `json:"order"`
	}
	h := auth.Clone()
	h.Set("Idempotency-Key", "edge-"+randomHex(8))
	call(t, c, ip, "partsbin.checkout.v1.CheckoutService/PlaceOrder",
		`{"shippingAddress":{"recipient":"Ada Lovelace","line1":"Hauptstr. 1","city":"Berlin","postalCode":"10115","countryCode":"DE"},"paymentMethod":"PAYMENT_METHOD_CASH_ON_DELIVERY"}`,
		h, &placed)
	return placed.Order.ID, auth
}

// testStreams: WatchOrder through the edge on the HTTP/1.1 port (Connect)
// and the h2c port (gRPC): the snapshot arrives, then a live event.
func testStreams(t *testing.T, c *cluster) {
	const ip = "127.0.0.41"
	orderID, auth := placeOrder(t, c, ip)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type watcher struct {
		name   string
		stream *connect.ServerStreamForClient[checkoutv1.WatchOrderResponse]
	}
	var watchers []watcher
	for _, p := range []struct {
		name string
		hc   *http.Client
		url  string
		opts []connect.ClientOption
	}{
		{"connect via :http", clientFrom(ip), c.httpURL, nil},
		{"grpc-web via :http", clientFrom(ip), c.httpURL, []connect.ClientOption{connect.WithGRPCWeb()}},
		{"grpc via :grpc", h2cClientFrom(ip), "http://" + c.grpcAddr, []connect.ClientOption{connect.WithGRPC()}},
	} {
		client := checkoutv1connect.NewCheckoutServiceClient(p.hc, p.url, p.opts...)
		callCtx, info := connect.NewClientContext(ctx)
		info.RequestHeader().Set("Authorization", auth.Get("Authorization"))
		stream, err := client.WatchOrder(callCtx, &checkoutv1.WatchOrderRequest{OrderId: orderID})
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		defer stream.Close()
		if !stream.Receive() {
			t.Fatalf("%s: no snapshot: %v", p.name, stream.Err())
		}
		if stream.Msg().GetSnapshot() == nil {
			t.Fatalf("%s: first message %v, want the snapshot", p.name, stream.Msg())
		}
		watchers = append(watchers, watcher{p.name, stream})
	}
	call(t, c, ip, "partsbin.checkout.v1.CheckoutService/CancelOrder", `{"orderId":"`+orderID+`","reason":"edge test"}`, auth, nil)
	for _, w := range watchers {
		for {
			if !w.stream.Receive() {
				t.Fatalf("%s: stream ended before the event: %v", w.name, w.stream.Err())
			}
			if ev := w.stream.Msg().GetEvent(); ev != nil {
				if ev.GetToStatus() != checkoutv1.OrderStatus_ORDER_STATUS_CANCELLED {
					t.Errorf("%s: event to %v, want cancelled", w.name, ev.GetToStatus())
				}
				break
			}
		}
	}
}

// testEdgeErrors: what the edge refuses itself comes as Connect errors.
func testEdgeErrors(t *testing.T, c *cluster) {
	const ip = "127.0.0.51"
	big := `{"query":"` + strings.Repeat("x", 3<<20) + `"}`
	res, body, err := postJSON(context.Background(), clientFrom(ip), c.httpURL, "partsbin.catalog.v1.CatalogService/SearchProducts", big, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"code":"resource_exhausted"`) {
		t.Errorf("3 MiB body: %s, want 413 with a Connect error", errString(res, body, nil))
	}
	// Metrics stay private to the instances.
	res, body, err = postJSON(context.Background(), clientFrom(ip), c.httpURL, "metrics", "", nil)
	if err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics through the edge: %s, want 404", errString(res, body, err))
	}
	// CORS preflights reach the API, which answers them, without using a quota.
	req, _ := http.NewRequest(http.MethodOptions, c.httpURL+"/partsbin.catalog.v1.CatalogService/SearchProducts", nil)
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	pre, err := clientFrom(ip).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pre.Body.Close()
	if pre.StatusCode >= 300 || pre.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" || pre.Header.Get("RateLimit-Limit") != "" {
		t.Errorf("preflight: %d allow-origin %q ratelimit %q, want the API's answer, unlimited",
			pre.StatusCode, pre.Header.Get("Access-Control-Allow-Origin"), pre.Header.Get("RateLimit-Limit"))
	}
}

func connectGRPC() connect.ClientOption { return connect.WithGRPC() }
