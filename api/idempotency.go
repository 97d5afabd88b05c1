package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

const (
	// idemWait is how long a retry waits for a first request still running.
	idemWait = 5 * time.Second
	// idemStale is when a pending key is taken to be abandoned by a crashed
	// process, and a retry may run the request again.
	idemStale = time.Minute
)

// recorder keeps a copy of the response for the idempotency record.
type recorder struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.buf.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}

var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

// idempotent makes a POST with an Idempotency-Key run once: a retry with
// the same key and body gets the first response again; another body with
// the same key is refused (422 idempotency-key-reused). Keys are scoped to
// the caller (the user, or the client address on public endpoints).
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		c.Next()
		return
	}
	body, err := readBody(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	scope := "addr:" + ClientAddr(c)
	if u := CurrentUser(c); u != nil {
		scope = "user:" + strconv.FormatInt(u.ID, 10)
	}
	sum := sha256.Sum256([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n" + string(body)))
	rec := &workflow.IdempotencyRecord{Scope: scope, Key: key, RequestHash: hex.EncodeToString(sum[:]), CreatedAt: time.Now()}
	ctx := c.Request.Context()

	deadline := time.Now().Add(idemWait)
	for {
		existing, err := s.idem.ReserveIdempotencyKey(ctx, rec, time.Now().Add(-idemStale))
		if err != nil {
			s.writeError(c, err)
			return
		}
		if existing == nil {
			break // ours: run the request
		}
		if existing.RequestHash != rec.RequestHash {
			s.writeError(c, workflow.Errorf(eIdemReused, "this Idempotency-Key was used with another request; use a new key"))
			return
		}
		if existing.Status != 0 {
			replay(c, existing)
			return
		}
		if time.Now().After(deadline) {
			s.writeError(c, workflow.Errorf(eIdemPending, "the first request with this Idempotency-Key is still running; retry later"))
			return
		}
		select {
		case <-ctx.Done():
			s.writeError(c, workflow.Errorf(workflow.EUNAVAILABLE, "timed out waiting for the first request"))
			return
		case <-time.After(50 * time.Millisecond):
		}
	}

	w := &recorder{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	status := w.Status()
	// A server error wrote nothing, and a 429 is no answer to replay: forget
	// the key so that a retry runs again.
	if status >= 500 || status == http.StatusTooManyRequests {
		if err := s.idem.ReleaseIdempotencyKey(ctx, scope, key); err != nil {
			s.log.WarnContext(ctx, "release idempotency key", "request_id", RequestID(c), "error", err.Error())
		}
		return
	}
	h := map[string]string{}
	for _, name := range replayedHeaders {
		if v := w.Header().Get(name); v != "" {
			h[name] = v
		}
	}
	rec.Status, rec.Body = status, w.buf.Bytes()
	rec.Header, _ = json.Marshal(h)
	if err := s.idem.CompleteIdempotencyKey(ctx, rec); err != nil {
		s.log.WarnContext(ctx, "store idempotency key", "request_id", RequestID(c), "error", err.Error())
	}
}

func replay(c *gin.Context, r *workflow.IdempotencyRecord) {
	var h map[string]string
	_ = json.Unmarshal(r.Header, &h)
	for k, v := range h {
		c.Header(k, v)
	}
	c.Header("Idempotent-Replayed", "true")
	ct := h["Content-Type"]
	if ct == "" {
		ct = "application/json"
	}
	c.Abort()
	if r.Status == http.StatusNoContent {
		c.Status(r.Status)
		return
	}
	c.Data(r.Status, ct, r.Body)
}
