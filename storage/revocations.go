package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"decisionflow/workflow"

	"github.com/lib/pq"
)

// revocationChannel is the NOTIFY channel of migration 00013's triggers.
const revocationChannel = "decisionflow_tokens"

// revocationTriggers are migration 00013's triggers: without them no notice
// would come, and the cache must not be trusted.
var revocationTriggers = []string{"api_tokens_notify_deleted", "api_tokens_notify_changed",
	"api_tokens_notify_truncated", "users_notify_changed"}

// revocationPing is how often the listener checks its connection when no
// notice comes, so that a connection closed without a word is noticed.
const revocationPing = 10 * time.Second

// probeTimeout bounds the wait for the listener's own test notice.
const probeTimeout = 10 * time.Second

var _ workflow.RevocationFeed = (*DB)(nil)

// ErrNoRevocationFeed is WatchRevocations' answer on SQLite, which has no
// channel between processes.
var ErrNoRevocationFeed = errors.New("this store tells no other process of revocations")

// HasRevocationFeed reports whether WatchRevocations works on this store.
func (db *DB) HasRevocationFeed() bool { return db.dialect == Postgres }

// WatchRevocations implements workflow.RevocationFeed on PostgreSQL: a
// connection of its own (lib/pq's Listener) LISTENs on revocationChannel,
// where migration 00013's triggers NOTIFY the user's id when any process
// commits a change that revokes tokens.
//
// It goes live only once it has seen the triggers in the schema (a server
// started with --no-migrate on an older one would otherwise wait for
// notices that never come) and its own test notice, sent through the pool
// after LISTEN, has arrived (a pooler that does not carry notices would
// fail here). It is not live from the moment the listener reports its
// connection lost until the listener, connected again and listening, has
// handed over the nil notice that says notices may have been lost: that
// nil drops every token first.
func (db *DB) WatchRevocations(ctx context.Context, live func(bool), revoked func(int64)) error {
	if db.dialect != Postgres {
		return ErrNoRevocationFeed
	}
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM pg_trigger WHERE tgname = ANY($1)`,
		pq.Array(revocationTriggers)).Scan(&n); err != nil {
		return err
	}
	if n != len(revocationTriggers) {
		return fmt.Errorf("the token revocation triggers are missing (%d of %d): migrate the database", n, len(revocationTriggers))
	}
	var (
		mu sync.Mutex
		// connected: the listener has a connection on which LISTEN is in
		// effect (once listening is set); probed: our test notice came.
		connected, listening, probed bool
		// kick wakes the loop to send the probe once connected and listening.
		kick = make(chan struct{}, 1)
	)
	wake := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	// update changes the state under mu and says whether the feed is live,
	// so that live is called in the order of the changes.
	update := func(change func()) {
		mu.Lock()
		defer mu.Unlock()
		change()
		live(connected && listening && probed)
	}
	l := pq.NewListener(db.dsn, 10*time.Millisecond, 2*time.Second, func(ev pq.ListenerEventType, _ error) {
		switch ev {
		case pq.ListenerEventConnected:
			update(func() { connected = true })
			wake()
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			update(func() { connected = false })
		}
		// ListenerEventReconnected: live again only with the nil notice
		// that follows it, below.
	})
	defer func() {
		update(func() { connected = false })
		go func() {
			for range l.Notify { // let lib/pq's goroutines end
			}
		}()
		l.Close()
	}()
	// Listen returns once LISTEN is in effect when connected, or, before
	// the first connection, registers the channel for the connection to
	// LISTEN before it reports itself connected: so the probe goes once
	// both have happened, whichever came first.
	if err := l.Listen(revocationChannel); err != nil {
		return err
	}
	update(func() { listening = true })
	wake()
	probe, probeSent := "probe-"+workflow.RandomSecret(12), false
	probeDeadline := time.NewTimer(probeTimeout)
	defer probeDeadline.Stop()
	ping := time.NewTicker(revocationPing)
	defer ping.Stop()
	var pinging atomic.Bool
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-kick:
			mu.Lock()
			ready := connected && listening && !probeSent
			mu.Unlock()
			if ready {
				if _, err := db.db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, revocationChannel, probe); err != nil {
					return err
				}
				probeSent = true
			}
		case n, ok := <-l.Notify:
			switch {
			case !ok:
				return nil
			case n == nil: // reconnected: notices may have been lost
				revoked(0)
				update(func() { connected = true })
			case n.Extra == probe:
				update(func() { probed = true })
			default:
				id, err := strconv.ParseInt(n.Extra, 10, 64)
				if err != nil {
					id = 0
				}
				revoked(id)
			}
		case <-probeDeadline.C:
			mu.Lock()
			ok := probed
			mu.Unlock()
			if !ok {
				return errors.New("no notice arrives on LISTEN (a connection pooler in transaction mode?)")
			}
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
