package db

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Node is one Postgres node as Pgpool-II sees it (SHOW pool_nodes).
type Node struct {
	ID        string
	Host      string
	Port      string
	Status    string // up, down, waiting, unused
	Role      string // primary, standby
	SelectCnt int64  // SELECTs Pgpool has sent to this node
	SyncState string // sync, async, potential, quorum; "" for the primary
	ReplState string // streaming, catchup, ...; "" for the primary
}

// PoolNodes asks Pgpool-II for its backends. It fails when the pool talks to
// Postgres directly (there is no SHOW pool_nodes then).
func PoolNodes(ctx context.Context, q Querier) ([]Node, error) {
	// Pgpool answers SHOW pool_nodes itself; it only does so for the simple
	// query protocol.
	rows, err := q.Query(ctx, "SHOW pool_nodes", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]int{}
	for i, fd := range rows.FieldDescriptions() {
		cols[fd.Name] = i
	}
	var nodes []Node
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		get := func(name string) string {
			if i, ok := cols[name]; ok && i < len(vals) && vals[i] != nil {
				return fmt.Sprint(vals[i])
			}
			return ""
		}
		n := Node{
			ID: get("node_id"), Host: get("hostname"), Port: get("port"),
			Status: get("status"), Role: get("role"),
			SyncState: get("replication_sync_state"), ReplState: get("replication_state"),
		}
		_, _ = fmt.Sscan(get("select_cnt"), &n.SelectCnt)
		nodes = append(nodes, n)
	}
	return nodes, rows.Err()
}

// Topology describes, for /readyz, how the database behind the pool is
// replicated, and logs when that changes: losing the synchronous standby
// means acknowledged commits live on one node only until it rejoins.
type Topology struct {
	pool *pgxpool.Pool
	log  *slog.Logger

	mu   sync.Mutex
	last string
}

// NewTopology returns a Topology reading through pool.
func NewTopology(pool *pgxpool.Pool, log *slog.Logger) *Topology {
	return &Topology{pool: pool, log: log}
}

// Describe returns one line such as "pgpool: node0 primary up, node1 standby
// up (streaming, sync): commits synchronous".
func (t *Topology) Describe(ctx context.Context) string {
	nodes, err := PoolNodes(ctx, t.pool)
	var desc string
	degraded := false
	switch {
	case err != nil && strings.Contains(err.Error(), "unrecognized configuration parameter"):
		desc = "direct connection (no Pgpool): no replication information"
	case err != nil:
		desc = "pgpool: cannot read pool_nodes: " + err.Error()
		degraded = true
	default:
		parts := make([]string, 0, len(nodes))
		primaries, syncStandbys := 0, 0
		for _, n := range nodes {
			s := fmt.Sprintf("node%s %s %s", n.ID, n.Role, n.Status)
			if n.Role == "standby" && n.ReplState != "" {
				s += fmt.Sprintf(" (%s, %s)", n.ReplState, n.SyncState)
			}
			if n.Status == "up" || n.Status == "waiting" {
				switch {
				case n.Role == "primary":
					primaries++
				case n.SyncState == "sync" || n.SyncState == "quorum":
					syncStandbys++
				}
			}
			parts = append(parts, s)
		}
		desc = "pgpool: " + strings.Join(parts, ", ")
		switch {
		case primaries == 0:
			desc += ": no primary (failover in progress?)"
			degraded = true
		case syncStandbys == 0:
			desc += ": commits ASYNCHRONOUS (no synchronous standby; run the rejoin)"
			degraded = true
		default:
			desc += ": commits synchronous (remote_apply)"
		}
	}
	t.mu.Lock()
	changed := desc != t.last
	t.last = desc
	t.mu.Unlock()
	if changed {
		if degraded {
			t.log.Warn("database topology degraded", "topology", desc)
		} else {
			t.log.Info("database topology", "topology", desc)
		}
	}
	return desc
}

// Watch describes the topology every interval until ctx ends, so a lost
// standby or a failover shows in the log even when nobody polls /readyz.
func (t *Topology) Watch(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			c, cancel := context.WithTimeout(ctx, interval)
			t.Describe(c)
			cancel()
		}
	}
}
