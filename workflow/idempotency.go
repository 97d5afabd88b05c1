package workflow

import (
	"context"
	"time"
)

// IdempotencyRecord is the first response to a request sent with an
// Idempotency-Key, kept so that a retry gets that response again instead of
// a second effect. Status 0 means the first request is still running.
type IdempotencyRecord struct {
	// Scope is whose key it is: "user:<id>" or "addr:<client address>".
	Scope       string
	Key         string
	RequestHash string
	Status      int
	// Header holds the replayed response headers as JSON (Content-Type, Location, ETag).
	Header    []byte
	Body      []byte
	CreatedAt time.Time
}

// IdempotencyStore keeps idempotency records in the database, so that they
// hold across restarts and replicas. Methods return EUNAVAILABLE and
// EINTERNAL like the other stores.
type IdempotencyStore interface {
	// ReserveIdempotencyKey inserts r as pending and returns (nil, nil), or,
	// when the scope already holds the key, returns the record found there.
	// A pending record older than staleBefore is taken over: r replaces it
	// and (nil, nil) is returned.
	ReserveIdempotencyKey(ctx context.Context, r *IdempotencyRecord, staleBefore time.Time) (*IdempotencyRecord, error)
	// CompleteIdempotencyKey stores the response of a reserved key.
	CompleteIdempotencyKey(ctx context.Context, r *IdempotencyRecord) error
	// ReleaseIdempotencyKey forgets a reserved key whose request wrote
	// nothing (it failed with a server error), so that a retry runs again.
	ReleaseIdempotencyKey(ctx context.Context, scope, key string) error
}
