package workflow

import (
	"sync"
	"time"
)

// The token cache spares the store a query on every request: Authenticate
// keeps, for TokenCacheTTL, the user a token hash was found to belong to.
//
// In this process a revocation takes effect at once: Logout drops the
// token, and a password change or reset and UpdateUser (disabling, a new
// role, a new name) drop every cached token of the user, before they
// return. Other processes sharing the database (a second replica, the
// CLI's user passwd) revoke tokens too. When the store can tell this
// process of them as they commit (a RevocationFeed: PostgreSQL's
// LISTEN/NOTIFY), FollowRevocations makes the cache drop the user's
// tokens as each notice arrives, and serve only while the feed is live:
// from the moment it may have missed a notice (its connection lost) until
// it is listening again, every request asks the store. Without a feed
// (NewAccounts alone) another process's revocation would be seen only
// after TokenCacheTTL, so serve turns the cache off on a store with no
// feed (SQLite, where the store's query costs no round trip anyway).
//
// An entry lives TokenCacheTTL by the engine's clock and by the process's
// monotonic clock both, so neither a test's manual clock nor a wall-clock
// step keeps one alive longer; it is also the bound on a revocation whose
// notice is delayed without the feed's connection being seen to fail. A
// token that expires while cached is accepted at most TokenCacheTTL past
// its expiry. Only found tokens are cached; the cache holds at most
// TokenCacheSize of them.
const (
	TokenCacheTTL  = 5 * time.Second
	TokenCacheSize = 10000
)

type tokenCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]tokenEntry
	// gen counts revocations: an answer read from the store before one is
	// not cached after it (an Authenticate racing a sign-out).
	gen uint64
	// paused is set while the RevocationFeed the cache follows is not
	// live: it then neither serves nor stores.
	paused bool
}

type tokenEntry struct {
	user   User
	at     time.Time // by the engine's clock
	mono   time.Time // time.Now, monotonic
	userID int64
}

func newTokenCache(ttl time.Duration, max int) *tokenCache {
	return &tokenCache{ttl: ttl, max: max, entries: map[string]tokenEntry{}}
}

func (c *tokenCache) fresh(e tokenEntry, now time.Time) bool {
	return !now.Before(e.at) && now.Sub(e.at) < c.ttl && time.Since(e.mono) < c.ttl
}

// get returns a copy of the cached user of hash, if fresh.
func (c *tokenCache) get(hash string, now time.Time) (*User, bool) {
	if c == nil || c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused {
		return nil, false
	}
	e, ok := c.entries[hash]
	if !ok {
		return nil, false
	}
	if !c.fresh(e, now) {
		delete(c.entries, hash)
		return nil, false
	}
	u := e.user
	return &u, true
}

// generation is the count of revocations so far, to pass to put.
func (c *tokenCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches u for hash, unless a revocation happened since generation
// gen; it sweeps stale entries (or all) when full.
func (c *tokenCache) put(hash string, u *User, now time.Time, gen uint64) {
	if c == nil || c.ttl <= 0 || u == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.paused {
		return
	}
	if len(c.entries) >= c.max {
		for h, e := range c.entries {
			if !c.fresh(e, now) {
				delete(c.entries, h)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[hash] = tokenEntry{user: *u, at: now, mono: time.Now(), userID: u.ID}
}

// drop forgets one token.
func (c *tokenCache) drop(hash string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, hash)
}

// dropUser forgets every token of a user.
func (c *tokenCache) dropUser(userID int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.entries {
		if e.userID == userID {
			delete(c.entries, h)
		}
	}
}

// dropAll forgets every token.
func (c *tokenCache) dropAll() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// setLive says whether the feed the cache follows is live; either way the
// cache starts afresh, as notices may have been missed before.
func (c *tokenCache) setLive(on bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
	c.paused = !on
}
