package api

import (
	"sync"
	"time"
)

// Failed sign-ins per account, over all client addresses: after
// lockoutFailures failures within lockoutWindow the account is refused for
// lockoutWindow, then twice as long after the next run of failures, and so
// on up to lockoutMax. A success clears the account's record. Like the
// other limits it is per process.
const (
	lockoutFailures = 5
	lockoutWindow   = 15 * time.Minute
	lockoutMax      = 24 * time.Hour
)

type accountGuard struct {
	mu    sync.Mutex
	seen  map[string]*lockout
	swept time.Time
}

type lockout struct {
	fails   []time.Time // within lockoutWindow
	strikes int         // lock-outs so far
	until   time.Time   // refused until then
	last    time.Time
}

func newAccountGuard() *accountGuard {
	return &accountGuard{seen: map[string]*lockout{}, swept: time.Now()}
}

// loginAccount is the server's per-account guard.
func (s *Server) loginAccount() *accountGuard { return s.lockouts }

// check says whether account may try now, or how long it must wait.
func (g *accountGuard) check(account string, now time.Time) (bool, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if l := g.seen[account]; l != nil && now.Before(l.until) {
		return false, l.until.Sub(now)
	}
	return true, 0
}

// failed counts a failure against account, locking it out after too many.
func (g *accountGuard) failed(account string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweep(now)
	l := g.seen[account]
	if l == nil {
		l = &lockout{}
		g.seen[account] = l
	}
	l.last = now
	kept := l.fails[:0]
	for _, t := range l.fails {
		if now.Sub(t) < lockoutWindow {
			kept = append(kept, t)
		}
	}
	l.fails = append(kept, now)
	if len(l.fails) >= lockoutFailures {
		wait := lockoutWindow << min(l.strikes, 10)
		l.until, l.fails = now.Add(min(wait, lockoutMax)), nil
		l.strikes++
	}
}

func (g *accountGuard) succeeded(account string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.seen, account)
}

// sweep forgets accounts quiet for lockoutMax and no longer locked out.
func (g *accountGuard) sweep(now time.Time) {
	if now.Sub(g.swept) < time.Minute {
		return
	}
	g.swept = now
	for k, l := range g.seen {
		if now.After(l.until) && now.Sub(l.last) > lockoutMax {
			delete(g.seen, k)
		}
	}
}
