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
	if err := db.checkRevocationTriggers(ctx); err != nil {
		return err
	}
	w := &revocationWatch{db: db, live: live, revoked: revoked, kick: make(chan struct{}, 1),
		probe: "probe-" + workflow.RandomSecret(12)}
	l := pq.NewListener(db.dsn, 10*time.Millisecond, 2*time.Second, w.event)
	defer w.close(l)
	// Listen returns once LISTEN is in effect when connected, or, before
	// the first connection, registers the channel for the connection to
	// LISTEN before it reports itself connected: so the probe goes once
	// both have happened, whichever came first.
	if err := l.Listen(revocationChannel); err != nil {
		return err
	}
	w.update(func() { w.listening = true })
	w.wake()
	return w.run(ctx, l)
}

// checkRevocationTriggers fails unless every trigger of revocationTriggers exists.
func (db *DB) checkRevocationTriggers(ctx context.Context) error {
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM pg_trigger WHERE tgname = ANY($1)`,
		pq.Array(revocationTriggers)).Scan(&n); err != nil {
		return err
	}
	if n != len(revocationTriggers) {
		return fmt.Errorf("the token revocation triggers are missing (%d of %d): migrate the database", n, len(revocationTriggers))
	}
	return nil
}

// revocationWatch is the state of one WatchRevocations.
type revocationWatch struct {
	db      *DB
	live    func(bool)
	revoked func(int64)
	probe   string // the test notice's payload
	// kick wakes run to send the probe once connected and listening.
	kick    chan struct{}
	pinging atomic.Bool

	mu sync.Mutex
	// connected: the listener has a connection on which LISTEN is in
	// effect (once listening is set); probed: the test notice came.
	connected, listening, probed bool
}

// update changes the state under mu and says whether the feed is live,
// so that live is called in the order of the changes.
func (w *revocationWatch) update(change func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	change()
	w.live(w.connected && w.listening && w.probed)
}

func (w *revocationWatch) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// event is the listener's callback. ListenerEventReconnected changes
// nothing: the feed is live again only with the nil notice that follows it
// (run).
func (w *revocationWatch) event(ev pq.ListenerEventType, _ error) {
	switch ev {
	case pq.ListenerEventConnected:
		w.update(func() { w.connected = true })
		w.wake()
	case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
		w.update(func() { w.connected = false })
	}
}

// close ends the feed: not live, the listener closed, its notices drained
// so that lib/pq's goroutines end.
func (w *revocationWatch) close(l *pq.Listener) {
	w.update(func() { w.connected = false })
	go func() {
		for range l.Notify {
		}
	}()
	l.Close()
}

// run handles the notices until ctx ends: sends the probe when it can,
// fails if it has not come back within probeTimeout, and pings the
// connection every revocationPing.
func (w *revocationWatch) run(ctx context.Context, l *pq.Listener) error {
	probeSent := false
	probeDeadline := time.NewTimer(probeTimeout)
	defer probeDeadline.Stop()
	ping := time.NewTicker(revocationPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
			w.mu.Lock()
			ready := w.connected && w.listening && !probeSent
			w.mu.Unlock()
			if ready {
				if _, err := w.db.db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, revocationChannel, w.probe); err != nil {
					return err
				}
				probeSent = true
			}
		case n, ok := <-l.Notify:
			if !ok {
				return nil
			}
			w.notice(n)
		case <-probeDeadline.C:
			w.mu.Lock()
			ok := w.probed
			w.mu.Unlock()
			if !ok {
				return errors.New("no notice arrives on LISTEN (a connection pooler in transaction mode?)")
			}
		case <-ping.C:
			if w.pinging.CompareAndSwap(false, true) {
				go func() {
					defer w.pinging.Store(false)
					_ = l.Ping() // a failed ping ends the connection, which the listener reports
				}()
			}
		}
	}
}

// notice handles one notice: nil after a reconnection (every token
// dropped, then live again), the probe, or a user's id.
func (w *revocationWatch) notice(n *pq.Notification) {
	switch {
	case n == nil:
		w.revoked(0)
		w.update(func() { w.connected = true })
	case n.Extra == w.probe:
		w.update(func() { w.probed = true })
	default:
		id, err := strconv.ParseInt(n.Extra, 10, 64)
		if err != nil {
			id = 0
		}
		w.revoked(id)
	}
}
