package api

import (
	"math"
	"net/netip"
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
// trusted proxy (Options.TrustedProxies) says in X-Forwarded-For.
func ClientAddr(c *gin.Context) string { return c.ClientIP() }

// clientKey is the rate limiters' key for a client address: an IPv4
// address, or an IPv6 address's /64 (one subscriber's network, which one
// attacker holds whole).
func clientKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Is4() || ip.Is4In6() {
		return addr
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// maxKey bounds the length of a username used as a limiter key.
const maxKey = 128

func accountKey(username string) string {
	k := strings.ToLower(strings.TrimSpace(username))
	if len(k) > maxKey {
		k = k[:maxKey]
	}
	return k
}

// AllowLogin takes a sign-in attempt for username from the request's client
// address, from the API or the pages alike, or says how long to wait: per
// client address (IPv6 by /64), per username and address, and per account
// over all addresses (LoginFailed).
func (s *Server) AllowLogin(c *gin.Context, username string) (bool, time.Duration) {
	addr := clientKey(ClientAddr(c))
	if ok, wait := s.loginAccount().check(accountKey(username), time.Now()); !ok {
		return false, wait
	}
	if ok, wait := s.loginAddr.allow(addr); !ok {
		return false, wait
	}
	return s.loginUser.allow(accountKey(username) + "|" + addr)
}

// LoginDone tells the limiters how a sign-in attempt allowed by AllowLogin
// ended: a failure counts against the account and is logged with the
// username tried and the client address (never the password); a success
// clears the account's failures.
func (s *Server) LoginDone(c *gin.Context, username string, err error) {
	key := accountKey(username)
	if err == nil {
		s.loginAccount().succeeded(key)
		return
	}
	if workflow.ErrorCode(err) != workflow.EUNAUTHENTICATED {
		return
	}
	s.loginAccount().failed(key, time.Now())
	s.log.WarnContext(c.Request.Context(), "sign-in failed", "request_id", RequestID(c),
		"username", key, "client", ClientAddr(c), "path", c.Request.URL.Path)
}

// AllowPublicComment takes a public comment from the request's client
// address (IPv6 by /64), or says how long to wait.
func (s *Server) AllowPublicComment(c *gin.Context) (bool, time.Duration) {
	return s.publicComments.allow(clientKey(ClientAddr(c)))
}

// limitPublicComments refuses a public comment over the limit before
// anything else runs: a refused request leaves nothing behind (no
// idempotency record).
func (s *Server) limitPublicComments(c *gin.Context) {
	if ok, wait := s.AllowPublicComment(c); !ok {
		s.refuse(c, wait)
		return
	}
	c.Next()
}

// refuse writes 429 with Retry-After in whole seconds.
func (s *Server) refuse(c *gin.Context, wait time.Duration) {
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	s.writeError(c, workflow.Errorf(ERateLimited, "too many requests; try again in %d s", int(math.Ceil(wait.Seconds()))))
}
