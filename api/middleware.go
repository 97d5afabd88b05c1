package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

const (
	ctxRequestID = "request_id"
	ctxUser      = "user"
	ctxToken     = "token"
)

// requestID gives every request an id, echoed in X-Request-ID and logged.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		id = workflow.RandomSecret(9)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// RequestID is the request's id, as logged and echoed in X-Request-ID.
func RequestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// observe logs each request (never its body or credentials) and counts it.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	elapsed := time.Since(start)
	status := c.Writer.Status()
	s.metrics.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(status)).Inc()
	s.metrics.latency.WithLabelValues(c.Request.Method, route).Observe(elapsed.Seconds())
	attrs := []any{"request_id", RequestID(c), "method", c.Request.Method, "route", route, "status", status,
		"duration_ms", float64(elapsed.Microseconds()) / 1000, "client", ClientAddr(c)}
	if u := CurrentUser(c); u != nil {
		attrs = append(attrs, "user", u.Username)
	}
	s.log.InfoContext(c.Request.Context(), "request", attrs...)
}

// recover turns a panic into a logged 500 with nothing of it shown.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.ErrorContext(c.Request.Context(), "panic", "request_id", RequestID(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				s.writeError(c, workflow.Internal(fmt.Errorf("panic: %v", r)))
			}
		}
	}()
	c.Next()
}

// limitBody refuses bodies over MaxBody with 413, uploads over the upload
// limit (isUpload): at once on Content-Length, else when the limit is read.
func (s *Server) limitBody(c *gin.Context) {
	limit := int64(MaxBody)
	if isUpload(c.Request) {
		limit = s.opts.MaxUpload + uploadOverhead
	}
	if c.Request.ContentLength > limit {
		// Close the connection: the body is not read.
		c.Header("Connection", "close")
		s.writeError(c, workflow.Errorf(eTooLarge, "the request body is %d bytes; at most %d are accepted", c.Request.ContentLength, limit))
		return
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

// readBody returns the request body, once read kept for later readers.
func readBody(c *gin.Context) ([]byte, error) {
	if b, ok := c.Get("body"); ok {
		return b.([]byte), nil
	}
	var b []byte
	if c.Request.Body != nil {
		var err error
		b, err = io.ReadAll(c.Request.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, workflow.Errorf(eTooLarge, "the request body is over %d bytes", MaxBody)
			}
			return nil, workflow.Invalid(workflow.FieldError{Field: "body", Message: "the body could not be read"})
		}
	}
	c.Set("body", b)
	return b, nil
}

// Timeout bounds the request's work, so that a database that hangs gives 503.
func (s *Server) Timeout(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opts.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// authenticate requires a valid bearer token.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="decisionflow"`)
		s.writeError(c, workflow.Errorf(workflow.EUNAUTHENTICATED, "send Authorization: Bearer <token>; get a token from POST /api/v1/login"))
		return
	}
	u, err := s.accounts.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		if workflow.ErrorCode(err) == workflow.EUNAUTHENTICATED {
			c.Header("WWW-Authenticate", `Bearer realm="decisionflow", error="invalid_token"`)
		}
		s.writeError(c, err)
		return
	}
	SetUser(c, u, strings.TrimSpace(token))
	c.Next()
}

// SetUser records who the request is signed in as, and with which token,
// for the handlers and the request log (the API's bearer token or the
// pages' session cookie).
func SetUser(c *gin.Context, u *workflow.User, token string) {
	c.Set(ctxUser, u)
	c.Set(ctxToken, token)
}

// CurrentUser is the signed-in user of the request, or nil.
func CurrentUser(c *gin.Context) *workflow.User {
	if v, ok := c.Get(ctxUser); ok {
		return v.(*workflow.User)
	}
	return nil
}

// Token is the token the request is signed in with, or "".
func Token(c *gin.Context) string { return c.GetString(ctxToken) }

// apiHeaders marks every /api/v1 answer not to be stored by caches (tokens
// and personal data pass there) nor sniffed as another content type.
func apiHeaders(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Next()
}

// RequestSecure reports whether the request reached the client's side over
// TLS: it came over TLS itself, or from a trusted proxy
// (Options.TrustedProxies) saying X-Forwarded-Proto: https.
func (s *Server) RequestSecure(c *gin.Context) bool {
	if c.Request.TLS != nil {
		return true
	}
	if !strings.EqualFold(strings.TrimSpace(c.GetHeader("X-Forwarded-Proto")), "https") {
		return false
	}
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		host = c.Request.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	peer = peer.Unmap()
	for _, p := range s.opts.TrustedProxies {
		p = strings.TrimSpace(p)
		if pfx, err := netip.ParsePrefix(p); err == nil && pfx.Contains(peer) {
			return true
		}
		if a, err := netip.ParseAddr(p); err == nil && a.Unmap() == peer {
			return true
		}
	}
	return false
}
