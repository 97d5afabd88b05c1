package api

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per key (a username, a client address).
// Limits are per process: each replica counts for itself (docs/design.md).
type limiter struct {
	limit Limit
	mu    sync.Mutex
	seen  map[string]*bucket
	swept time.Time
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiter(l Limit) *limiter {
	return &limiter{limit: l, seen: map[string]*bucket{}, swept: time.Now()}
}

// allow takes one token for key, or says how long to wait for one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// Forget buckets that have refilled: they hold no information.
		full := time.Duration(float64(l.limit.Burst) / float64(l.limit.Rate) * float64(time.Second))
		for k, b := range l.seen {
			if now.Sub(b.last) > full {
				delete(l.seen, k)
			}
		}
		l.swept = now
	}
	b, ok := l.seen[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.limit.Rate, l.limit.Burst)}
		l.seen[key] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// ClientAddr is the address a request came from: the peer, or what a
// trusted proxy (Options.TrustedProxies) says in X-Forwarded-For. Rate
// limits key on it.
func ClientAddr(c *gin.Context) string { return c.ClientIP() }

// AllowLogin takes a sign-in attempt for username from the request's client
// address, from the API or the pages alike, or says how long to wait.
func (s *Server) AllowLogin(c *gin.Context, username string) (bool, time.Duration) {
	addr := ClientAddr(c)
	if ok, wait := s.loginAddr.allow(addr); !ok {
		return false, wait
	}
	return s.loginUser.allow(strings.ToLower(username) + "|" + addr)
}

// AllowPublicComment takes a public comment from the request's client
// address, or says how long to wait.
func (s *Server) AllowPublicComment(c *gin.Context) (bool, time.Duration) {
	return s.publicComments.allow(ClientAddr(c))
}

// refuse writes 429 with Retry-After in whole seconds.
func (s *Server) refuse(c *gin.Context, wait time.Duration) {
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	s.writeError(c, workflow.Errorf(ERateLimited, "too many requests; try again in %d s", int(math.Ceil(wait.Seconds()))))
}
