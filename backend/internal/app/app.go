// Package app assembles a partsbin server from its parts: it opens the
// database and Redis, builds every domain service, mounts every Connect
// service with the shared interceptors on one mux, and owns the background
// workers. cmd/partsbin and the integration tests both build servers here.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"connectrpc.com/connect"
	connectcors "connectrpc.com/cors"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"

	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/cart"
	"github.com/partsbin/partsbin/backend/internal/catalog"
	"github.com/partsbin/partsbin/backend/internal/checkout"
	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/config"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/platform/kv"
	"github.com/partsbin/partsbin/backend/internal/platform/mail"
	"github.com/partsbin/partsbin/backend/internal/platform/pagetoken"
	"github.com/partsbin/partsbin/backend/internal/platform/pubsub"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	"github.com/partsbin/partsbin/backend/internal/platform/stripepay"
	"github.com/partsbin/partsbin/backend/internal/promotion"
	"github.com/partsbin/partsbin/backend/internal/ratelimit"
	"github.com/partsbin/partsbin/backend/internal/staff"
	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	"github.com/partsbin/partsbin/gen/partsbin/auth/v1/authv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/cart/v1/cartv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/catalog/v1/catalogv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/promotion/v1/promotionv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/staff/v1/staffv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/stats/v1/statsv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/support/v1/supportv1connect"
)

// StripeWebhookPath is where Stripe sends payment events.
const StripeWebhookPath = "/webhooks/stripe"

// ServiceNames lists every Connect service the server mounts.
var ServiceNames = []string{
	authv1connect.AuthServiceName,
	catalogv1connect.CatalogServiceName,
	cartv1connect.CartServiceName,
	checkoutv1connect.CheckoutServiceName,
	promotionv1connect.PromotionServiceName,
	staffv1connect.StaffServiceName,
	statsv1connect.StatsServiceName,
	supportv1connect.SupportServiceName,
}

// Options are the parts tests may replace.
type Options struct {
	// Clock defaults to the system clock.
	Clock clock.Clock
	// Limits default to auth.DefaultLimits.
	Limits *auth.Limits
}

// App is a wired partsbin server.
type App struct {
	Config    config.Config
	Log       *slog.Logger
	Pool      *pgxpool.Pool
	Redis     *kv.Client
	Auth      *auth.Service
	Catalog   *catalog.Service
	Promotion *promotion.Service
	Cart      *cart.Service
	Checkout  *checkout.Service
	// PageTokens seals every list's page tokens (one secret per deployment).
	PageTokens *pagetoken.Codec
	Health     *rpc.Health
	// Topology reports (and logs changes of) the replication state behind
	// Pgpool-II.
	Topology *db.Topology
	mail     *mail.Queue
	checker  *grpchealth.StaticChecker
	handler  http.Handler
	// orderEvents wakes order watchers on this instance.
	orderEvents *pubsub.Hub
	stripe      *stripepay.Client
}

// New connects to Postgres and Redis and builds the server. A Redis that is
// down at start is tolerated (the server degrades and /readyz says so);
// Postgres must answer.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	limits := auth.DefaultLimits()
	if opts.Limits != nil {
		limits = *opts.Limits
	}
	pool, err := db.Open(ctx, db.PoolConfig{
		URL: cfg.DatabaseURL, MaxConns: cfg.DBMaxConns, ConnectTimeout: cfg.DBConnectTimeout,
		StatementTimeout: cfg.DBStatementTimeout, ApplicationName: "partsbin",
	})
	if err != nil {
		return nil, err
	}
	if cfg.MigrateOnStart {
		if err := db.Migrate(ctx, pool, log); err != nil {
			pool.Close()
			return nil, err
		}
	}
	rdb, err := kv.Open(ctx, cfg.RedisURL, cfg.RedisPrefix)
	if rdb == nil {
		pool.Close()
		return nil, err
	}
	if err != nil {
		log.Warn("redis not reachable at start; continuing degraded", "err", err)
	}
	smtp, err := mail.NewSMTP(mail.SMTPConfig{
		Addr: cfg.SMTPAddr, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, TLS: cfg.SMTPTLS, From: cfg.MailFrom,
	})
	if err != nil {
		pool.Close()
		_ = rdb.Close()
		return nil, err
	}

	a := &App{Config: cfg, Log: log, Pool: pool, Redis: rdb, mail: mail.NewQueue(smtp, log, 1000)}
	if cfg.PageTokenSecret == "" {
		log.Warn("PARTSBIN_PAGE_TOKEN_SECRET is not set: page tokens use a random secret of this process and fail on other instances and after a restart")
		a.PageTokens = pagetoken.Random()
	} else if a.PageTokens, err = pagetoken.New([]byte(cfg.PageTokenSecret)); err != nil {
		pool.Close()
		_ = rdb.Close()
		return nil, err
	}
	sessions := auth.NewSessions(pool, rdb, opts.Clock, cfg.SessionTTL, cfg.SessionCacheTTL, log)
	a.Auth = auth.NewService(auth.ServiceConfig{
		Pool:      pool,
		Sessions:  sessions,
		Hasher:    auth.NewHasher(auth.HashParams{MemoryKiB: cfg.Argon2MemoryKiB, Iterations: cfg.Argon2Iterations, Parallelism: cfg.Argon2Parallelism}, cfg.Argon2MaxConcurrent),
		Limiter:   ratelimit.New(rdb),
		Limits:    limits,
		Mailer:    a.mail,
		Clock:     opts.Clock,
		Log:       log,
		ResetTTL:  cfg.ResetTokenTTL,
		PublicURL: cfg.PublicURL,
	})
	a.Catalog = catalog.NewService(pool, opts.Clock, catalog.Options{Currency: cfg.Currency, SearchCacheTTL: cfg.SearchCacheTTL, ProductCacheTTL: cfg.ProductCacheTTL})
	a.Promotion = promotion.NewService(pool, opts.Clock, cfg.Currency)
	a.Cart = cart.NewService(cart.Config{
		Pool:         pool,
		Products:     cartProducts{a.Catalog},
		Discounts:    cartDiscounts{a.Promotion, pool},
		Limiter:      ratelimit.New(rdb),
		CodeAttempts: cart.DefaultCodeAttempts,
		Clock:        opts.Clock,
		Currency:     cfg.Currency,
	})
	a.Catalog.EnableReviews(catalog.Reviewing{
		Limiter: ratelimit.New(rdb), Rule: ratelimit.Rule{Name: "reviews", Limit: 10, Window: time.Hour},
		Redis: rdb, Log: log, Purchases: reviewPurchases{a},
	})
	a.orderEvents = pubsub.NewHub(rdb, "checkout:order-events", log)
	var payments checkout.Payments
	if cfg.StripeAPIKey != "" {
		sc, err := stripepay.New(stripepay.Config{APIKey: cfg.StripeAPIKey, APIBase: cfg.StripeAPIBase, WebhookSecret: cfg.StripeWebhookSecret})
		if err != nil {
			pool.Close()
			_ = rdb.Close()
			return nil, err
		}
		a.stripe = sc
		payments = checkoutPayments{sc}
	}
	a.Checkout = checkout.NewService(checkout.Config{
		Pool:         pool,
		Carts:        checkoutCarts{a.Cart},
		Stock:        checkoutStock{rdb: rdb, log: log},
		Discounts:    checkoutDiscounts{a.Promotion},
		Clock:        opts.Clock,
		Log:          log,
		Currency:     cfg.Currency,
		UnpaidExpiry: cfg.UnpaidOrderExpiry,
		Events:       a.orderEvents,
		Payments:     payments,
	})
	a.Topology = db.NewTopology(pool, log)
	a.Health = rpc.NewHealth(
		rpc.ReadyCheck{Name: "postgres", Check: func(ctx context.Context) error { return pool.Ping(ctx) }, Detail: a.Topology.Describe},
		rpc.ReadyCheck{Name: "redis", Check: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }},
	)
	a.handler = a.routes(sessions)
	return a, nil
}

// HandlerOptions are the options every Connect service is mounted with:
// the observer (outermost, so it also sees authorization failures), the
// authorizer, the message size cap, strict JSON and panic recovery.
func (a *App) HandlerOptions(authn auth.Authenticator, metrics *rpc.Metrics) []connect.HandlerOption {
	observer := rpc.NewObserver(a.Log, metrics, a.Config.UnaryTimeout)
	authorizer := auth.NewAuthorizer(authn, Policies, a.Log)
	opts := []connect.HandlerOption{
		connect.WithInterceptors(observer, authorizer),
		connect.WithReadMaxBytes(int(a.Config.MaxRequestBytes)),
		connect.WithRecover(func(ctx context.Context, spec connect.Spec, _ http.Header, p any) error {
			a.Log.ErrorContext(ctx, "panic in handler", "procedure", spec.Procedure, "panic", fmt.Sprint(p),
				"request_id", rpc.RequestID(ctx), "stack", string(debug.Stack()))
			return connect.NewError(connect.CodeInternal, errors.New("internal error, request id "+rpc.RequestID(ctx)))
		}),
	}
	return append(opts, rpc.StrictJSON()...)
}

func (a *App) routes(authn auth.Authenticator) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	opts := a.HandlerOptions(authn, rpc.NewMetrics(reg))

	mux := http.NewServeMux()
	mux.Handle(authv1connect.NewAuthServiceHandler(auth.NewHandler(a.Auth), opts...))
	// Services whose issues have not landed answer `unimplemented` through
	// their generated handlers, behind the same interceptors.
	mux.Handle(catalogv1connect.NewCatalogServiceHandler(catalog.NewHandler(a.Catalog), opts...))
	mux.Handle(cartv1connect.NewCartServiceHandler(cart.NewHandler(a.Cart), opts...))
	checkoutHandler := checkout.NewHandler(a.Checkout)
	checkoutHandler.EnableWatch(checkout.WatchOptions{
		Heartbeat: a.Config.StreamHeartbeat, Poll: 5 * time.Second, MaxPerUser: a.Config.MaxStreamsPerUser,
		Stop: a.Health.Draining(),
	})
	mux.Handle(checkoutv1connect.NewCheckoutServiceHandler(checkoutHandler, opts...))
	mux.Handle(promotionv1connect.NewPromotionServiceHandler(promotion.NewHandler(a.Promotion), opts...))
	// The back office is assembled from the packages owning each entity;
	// parts not built yet answer unimplemented.
	mux.Handle(staffv1connect.NewStaffServiceHandler(staff.NewHandler(staff.Parts{
		Orders: checkout.NewStaffOrders(checkoutHandler, a.customerProfile),
	}), opts...))
	mux.Handle(statsv1connect.NewStatsServiceHandler(statsv1connect.UnimplementedStatsServiceHandler{}, opts...))
	mux.Handle(supportv1connect.NewSupportServiceHandler(supportv1connect.UnimplementedSupportServiceHandler{}, opts...))

	a.checker = grpchealth.NewStaticChecker(ServiceNames...)
	mux.Handle(grpchealth.NewHandler(a.checker))
	reflector := grpcreflect.NewStaticReflector(ServiceNames...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))

	mux.Handle("GET "+catalog.ImagePath+"{hash}", a.Catalog.ImageHandler())
	if a.stripe != nil {
		// The payment provider's webhook: plain HTTP, signature verified.
		mux.Handle("POST "+StripeWebhookPath, a.Checkout.WebhookHandler(verifyStripe(a.stripe)))
	}
	mux.HandleFunc("GET /healthz", a.Health.Live)
	mux.HandleFunc("GET /readyz", a.Health.Ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	c := cors.New(cors.Options{
		AllowedOrigins: a.Config.CORSOrigins,
		AllowedMethods: connectcors.AllowedMethods(),
		AllowedHeaders: append(connectcors.AllowedHeaders(), "Authorization", "Idempotency-Key", "X-Request-Id"),
		ExposedHeaders: append(connectcors.ExposedHeaders(), "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "X-Request-Id"),
		MaxAge:         7200,
	})
	return rpc.RequestContext(a.Config.TrustedProxies, rpc.LimitBody(a.Config.MaxRequestBytes, c.Handler(mux)))
}

// Handler is the server's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// Run runs the background workers until ctx ends.
func (a *App) Run(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.mail.Run(ctx, 2)
	}()
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		a.orderEvents.Run(ctx)
	}()
	defer func() { <-hubDone }()
	expiryDone := make(chan struct{})
	go func() {
		defer close(expiryDone)
		a.Checkout.RunExpiry(ctx, a.Config.OrderExpiryInterval)
	}()
	defer func() { <-expiryDone }()
	cacheDone := make(chan struct{})
	go func() {
		defer close(cacheDone)
		a.Catalog.Run(ctx, a.Redis, a.Log)
	}()
	defer func() { <-cacheDone }()
	topoDone := make(chan struct{})
	go func() {
		defer close(topoDone)
		a.Topology.Watch(ctx, 5*time.Second)
	}()
	defer func() { <-topoDone }()
	select {
	case <-a.Health.Draining():
		for _, name := range ServiceNames {
			a.checker.SetStatus(name, grpchealth.StatusNotServing)
		}
		a.checker.SetStatus("", grpchealth.StatusNotServing)
	case <-ctx.Done():
	}
	<-done
}

// reviewPurchases lets the catalogue ask checkout whether a customer
// received a product; it resolves a.Checkout late, as checkout is built
// after the catalogue.
type reviewPurchases struct{ a *App }

func (r reviewPurchases) HasReceived(ctx context.Context, customerID, productID string) (bool, error) {
	return r.a.Checkout.HasReceived(ctx, customerID, productID)
}

// customerProfile is an account as the back office shows it.
func (a *App) customerProfile(ctx context.Context, id string) (*authv1.User, error) {
	u, err := a.Auth.User(ctx, id)
	if err != nil {
		return nil, err
	}
	return auth.UserToProto(u), nil
}

// Close releases the database pool and the Redis client.
func (a *App) Close() {
	a.Pool.Close()
	_ = a.Redis.Close()
}
