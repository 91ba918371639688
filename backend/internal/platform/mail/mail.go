// Package mail sends transactional email over SMTP. Mail goes out from a
// bounded in-process queue so that a slow mail server neither delays an RPC
// nor reveals through timing whether an account exists.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Body    string
}

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Addr     string
	Username string
	Password string
	// TLS is "none", "starttls" or "tls".
	TLS  string
	From string
}

// SMTP sends messages through an SMTP server.
type SMTP struct {
	cfg  SMTPConfig
	host string
	port int
}

// NewSMTP checks cfg and returns a sender.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("smtp port %q: %w", portStr, err)
	}
	return &SMTP{cfg: cfg, host: host, port: port}, nil
}

// Send delivers m now.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("to address: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	msg.SetDate()
	msg.SetMessageID()

	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(10 * time.Second)}
	switch s.cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	client, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send mail: %w", err)
	}
	return nil
}

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrQueueFull is returned by Enqueue when the queue is at capacity.
var ErrQueueFull = errors.New("mail queue full")

// Queue sends mail in the background with a few retries. Run owns the
// workers; they stop when its context ends, after the queue drains or a
// short grace period passes.
type Queue struct {
	sender Sender
	log    *slog.Logger
	ch     chan Message
}

// NewQueue returns a queue holding up to capacity messages.
func NewQueue(sender Sender, log *slog.Logger, capacity int) *Queue {
	return &Queue{sender: sender, log: log, ch: make(chan Message, capacity)}
}

// Enqueue schedules m for delivery without waiting for the mail server.
func (q *Queue) Enqueue(m Message) error {
	select {
	case q.ch <- m:
		return nil
	default:
		q.log.Error("mail queue full, message dropped", "subject", m.Subject)
		return ErrQueueFull
	}
}

// Run delivers queued mail with the given number of workers until ctx ends.
func (q *Queue) Run(ctx context.Context, workers int) {
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-ctx.Done():
					q.drain()
					return
				case m := <-q.ch:
					q.deliver(ctx, m)
				}
			}
		}()
	}
	for range workers {
		<-done
	}
}

// drain sends what is left after shutdown began, within a short grace period.
func (q *Queue) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		select {
		case m := <-q.ch:
			q.deliver(ctx, m)
		default:
			return
		}
	}
}

func (q *Queue) deliver(ctx context.Context, m Message) {
	delay := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		err := q.sender.Send(sendCtx, m)
		cancel()
		if err == nil {
			q.log.Info("mail sent", "subject", m.Subject, "attempt", attempt)
			return
		}
		if attempt == 4 || ctx.Err() != nil {
			q.log.Error("mail not sent", "subject", m.Subject, "attempts", attempt, "err", err)
			return
		}
		q.log.Warn("mail send failed, retrying", "subject", m.Subject, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		delay *= 4
	}
}
