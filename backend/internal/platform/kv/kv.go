// Package kv connects partsbin to Redis, which holds the session cache, the
// rate-limit logs and the pub/sub channels that wake streaming RPCs. Redis
// holds no data that Postgres does not also have.
package kv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Client is a Redis client whose keys all start with Prefix, so several
// deployments (or test runs) can share one Redis.
type Client struct {
	*redis.Client
	Prefix string
}

// Open connects to Redis at url (redis://[:password@]host:port/db) and pings
// it once. A failed ping is returned with the client still usable: Redis may
// come up later and the server degrades in the meantime.
func Open(ctx context.Context, url, prefix string) (*Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("parse redis url: invalid url")
	}
	opts.DialTimeout = time.Second
	opts.ReadTimeout = time.Second
	opts.WriteTimeout = time.Second
	opts.PoolTimeout = 2 * time.Second
	opts.MaxRetries = 1
	c := &Client{Client: redis.NewClient(opts), Prefix: prefix}
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.Ping(pingCtx).Err(); err != nil {
		return c, fmt.Errorf("ping redis: %w", err)
	}
	return c, nil
}

// Key returns the full key for the given parts, joined by ':'.
func (c *Client) Key(parts ...string) string {
	n := len(c.Prefix)
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, c.Prefix...)
	for i, p := range parts {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, p...)
	}
	return string(b)
}
