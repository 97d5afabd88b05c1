package storage

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"decisionflow/workflow"

	"github.com/lib/pq"
)

// revocationChannel is the NOTIFY channel of migration 00013's triggers.
const revocationChannel = "decisionflow_tokens"

// revocationPing is how often the listener checks its connection when no
// notice comes, so that a connection that died without a word is found.
const revocationPing = 10 * time.Second

var _ workflow.RevocationFeed = (*DB)(nil)

// ErrNoRevocationFeed is WatchRevocations' answer on SQLite, which has no
// channel between processes.
var ErrNoRevocationFeed = errors.New("this store tells no other process of revocations")

// HasRevocationFeed reports whether WatchRevocations works on this store.
func (db *DB) HasRevocationFeed() bool { return db.dialect == Postgres }

// WatchRevocations implements workflow.RevocationFeed on PostgreSQL: a
// connection of its own LISTENs on revocationChannel, where migration
// 00013's triggers NOTIFY the user's id when any process commits a change
// that revokes tokens. The feed is live once LISTEN is in effect on a
// connection, and not live from the moment lib/pq's listener reports that
// connection lost until it has listened again on a new one (it reconnects
// by itself, and then says so with a nil notice, which drops every token:
// notices may have been lost meanwhile).
func (db *DB) WatchRevocations(ctx context.Context, live func(bool), revoked func(int64)) error {
	if db.dialect != Postgres {
		return ErrNoRevocationFeed
	}
	var (
		mu                   sync.Mutex
		connected, listening bool
	)
	// update changes the state under mu and says whether the feed is live,
	// so that live is called in the order of the changes.
	update := func(change func()) {
		mu.Lock()
		defer mu.Unlock()
		change()
		live(connected && listening)
	}
	l := pq.NewListener(db.dsn, 10*time.Millisecond, 2*time.Second, func(ev pq.ListenerEventType, _ error) {
		switch ev {
		case pq.ListenerEventConnected, pq.ListenerEventReconnected:
			update(func() { connected = true })
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			update(func() { connected = false })
		}
	})
	defer func() {
		l.Close()
		update(func() { connected, listening = false, false })
	}()
	// Listen returns once LISTEN is in effect when connected, or, before
	// the first connection, registers the channel for the connection to
	// LISTEN before it reports itself connected: either way, connected and
	// listening together mean no notice can be missed from then on.
	if err := l.Listen(revocationChannel); err != nil {
		return err
	}
	update(func() { listening = true })
	var pinging atomic.Bool
	ping := time.NewTicker(revocationPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case n, ok := <-l.Notify:
			if !ok {
				return nil
			}
			if n == nil {
				revoked(0)
				continue
			}
			id, err := strconv.ParseInt(n.Extra, 10, 64)
			if err != nil {
				id = 0
			}
			revoked(id)
		case <-ping.C:
			if pinging.CompareAndSwap(false, true) {
				go func() {
					defer pinging.Store(false)
					_ = l.Ping() // a failed ping ends the connection, which the listener reports
				}()
			}
		}
	}
}
