package workflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Account rules of the HTTP contract.
const (
	MinPasswordLength = 10
	// TokenTTL is how long a token from login or the CLI stays valid.
	TokenTTL   = 12 * time.Hour
	bcryptCost = bcrypt.DefaultCost
)

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}$`)

// NewUser is the request to create an account.
type NewUser struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        Role   `json:"role"`
	Password    string `json:"password"`
}

// Validate checks the form of the request.
func (r *NewUser) Validate() error {
	var c fieldCheck
	if !usernamePattern.MatchString(r.Username) {
		c.add("username", "must be 2 to 63 lower-case letters, digits, '.', '_' or '-'")
	}
	c.text("display_name", r.DisplayName, MaxTitle)
	if !r.Role.Valid() {
		c.add("role", "must be one of staff, legal_advisor, head, admin")
	}
	if len([]rune(r.Password)) < MinPasswordLength {
		c.add("password", "must be at least 10 characters")
	} else if len(r.Password) > 72 {
		c.add("password", "must be at most 72 bytes")
	}
	return c.err()
}

// UserUpdate changes an account; nil fields stay as they are.
type UserUpdate struct {
	DisplayName *string `json:"display_name"`
	Role        *Role   `json:"role"`
	Disabled    *bool   `json:"disabled"`
}

// Accounts signs users in and manages accounts.
type Accounts struct {
	store UserStore
	clock Clock
	dummy []byte
	// tokens caches Authenticate's answers (tokencache.go).
	tokens *tokenCache
}

// NewAccounts returns the account service over store.
func NewAccounts(store UserStore, clock Clock) *Accounts {
	dummy, _ := bcrypt.GenerateFromPassword([]byte("timing-equaliser-password"), bcryptCost)
	return &Accounts{store: store, clock: clock, dummy: dummy, tokens: newTokenCache(TokenCacheTTL, TokenCacheSize)}
}

// SetTokenCache sets how long, and how many, authenticated tokens are
// cached (tokencache.go); a ttl of 0 turns the cache off. Call it before
// the Accounts serve requests.
func (a *Accounts) SetTokenCache(ttl time.Duration, size int) {
	a.tokens = newTokenCache(ttl, size)
}

// RevocationFeed is a store that tells each process sharing it of the
// revocations of tokens that any process commits (a sign-out, a password
// change or reset, a user disabled or changed), as they commit.
type RevocationFeed interface {
	// WatchRevocations runs until ctx ends or the feed fails for good. It
	// calls live(true) once every revocation committed from then on will
	// be told, live(false) as soon as some may not be (and when it
	// returns), and revoked(id) for each one told: id's tokens were
	// revoked, or some user's when id is 0.
	WatchRevocations(ctx context.Context, live func(bool), revoked func(userID int64)) error
}

// FollowRevocations keeps the token cache true to feed until ctx ends:
// the cache serves only while the feed is live, and drops a user's tokens
// when told of their revocation by any process (tokencache.go). The cache
// stops serving before FollowRevocations returns; the feed runs on its own
// goroutine, and if it fails, failed gets its error and the cache stays
// off.
func (a *Accounts) FollowRevocations(ctx context.Context, feed RevocationFeed, failed func(error)) {
	c := a.tokens
	c.setLive(false)
	go func() {
		defer c.setLive(false)
		err := feed.WatchRevocations(ctx, c.setLive, func(id int64) {
			if id == 0 {
				c.dropAll()
			} else {
				c.dropUser(id)
			}
		})
		if err != nil && failed != nil {
			failed(err)
		}
	}()
}

// HashToken returns the hex SHA-256 under which a token is stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// RandomSecret returns n random bytes, base64url-encoded.
func RandomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on a supported platform
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateUser creates an account. actor is nil when the CLI, which runs with
// the operator's own access to the database, creates it; otherwise only an
// admin may. EEXISTS when the username is taken.
func (a *Accounts) CreateUser(ctx context.Context, actor *User, in NewUser) (*User, error) {
	if actor != nil && actor.Role != RoleAdmin {
		return nil, &Error{Code: EFORBIDDEN, Message: "only the role admin may manage users"}
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcryptCost)
	if err != nil {
		return nil, Internal(err)
	}
	if strings.TrimSpace(in.DisplayName) == "" {
		in.DisplayName = in.Username
	}
	u := &User{Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, CreatedAt: a.clock.Now().UTC().Truncate(time.Microsecond)}
	if err := a.store.CreateUser(ctx, u, string(hash)); err != nil {
		return nil, err
	}
	return u, nil
}

// Users lists the accounts (admin only).
func (a *Accounts) Users(ctx context.Context, actor *User) ([]*User, error) {
	if err := requireRole(actor, RoleAdmin, "manage users"); err != nil {
		return nil, err
	}
	return a.store.Users(ctx)
}

// Validate checks the form of the update.
func (up *UserUpdate) Validate() error {
	var c fieldCheck
	if up.DisplayName != nil {
		c.required("display_name", *up.DisplayName, MaxTitle)
	}
	if up.Role != nil && !up.Role.Valid() {
		c.add("role", "must be one of staff, legal_advisor, head, admin")
	}
	return c.err()
}

// keepAnAdmin refuses to take the last active admin away: nobody could
// manage accounts afterwards but the operator at the database.
func (a *Accounts) keepAnAdmin(ctx context.Context, except string) error {
	users, err := a.store.Users(ctx)
	if err != nil {
		return err
	}
	for _, o := range users {
		if o.Username != except && o.Role == RoleAdmin && !o.Disabled {
			return nil
		}
	}
	return RuleError(RuleLastAdmin, "%s is the last active admin: make another admin first", except)
}

// UpdateUser changes an account's display name, role or disabled flag (admin only).
func (a *Accounts) UpdateUser(ctx context.Context, actor *User, username string, up UserUpdate) (*User, error) {
	if err := requireRole(actor, RoleAdmin, "manage users"); err != nil {
		return nil, err
	}
	if err := up.Validate(); err != nil {
		return nil, err
	}
	u, _, err := a.store.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	wasAdmin := u.Role == RoleAdmin && !u.Disabled
	if up.Role != nil {
		u.Role = *up.Role
	}
	if up.DisplayName != nil {
		u.DisplayName = *up.DisplayName
	}
	if up.Disabled != nil {
		u.Disabled = *up.Disabled
	}
	if wasAdmin && (u.Role != RoleAdmin || u.Disabled) {
		if err := a.keepAnAdmin(ctx, u.Username); err != nil {
			return nil, err
		}
	}
	err = a.store.UpdateUser(ctx, u)
	// Dropped whatever the outcome: a failed write may still have committed.
	a.tokens.dropUser(u.ID)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Login checks a password and issues a token valid for TokenTTL.
// EUNAUTHENTICATED for a wrong username, wrong password or disabled account,
// without saying which.
func (a *Accounts) Login(ctx context.Context, username, password string) (string, *User, error) {
	u, err := a.checkPassword(ctx, username, password)
	if err != nil {
		return "", nil, err
	}
	token, err := a.IssueToken(ctx, u)
	if err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// IssueToken creates a random token for u, stores only its hash, and returns it.
func (a *Accounts) IssueToken(ctx context.Context, u *User) (string, error) {
	token := RandomSecret(32)
	if err := a.store.CreateToken(ctx, u.ID, HashToken(token), a.clock.Now().Add(TokenTTL)); err != nil {
		return "", err
	}
	return token, nil
}

// Authenticate returns the user of a valid token, or EUNAUTHENTICATED.
func (a *Accounts) Authenticate(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, Errorf(EUNAUTHENTICATED, "sign in first")
	}
	hash, now := HashToken(token), a.clock.Now()
	if u, ok := a.tokens.get(hash, now); ok {
		return u, nil
	}
	gen := a.tokens.generation()
	u, err := a.store.UserByToken(ctx, hash, now)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHENTICATED, "the token is invalid or has expired")
	}
	if err == nil {
		a.tokens.put(hash, u, now, gen)
	}
	return u, err
}

// Logout forgets a token.
func (a *Accounts) Logout(ctx context.Context, token string) error {
	hash := HashToken(token)
	err := a.store.DeleteToken(ctx, hash)
	a.tokens.drop(hash)
	return err
}

// checkNewPassword applies the password rules: at least MinPasswordLength
// characters, at most 72 bytes (bcrypt), not the username, not the demo
// password.
func checkNewPassword(field, username, password string) error {
	var c fieldCheck
	switch {
	case len([]rune(password)) < MinPasswordLength:
		c.add(field, "must be at least 10 characters")
	case len(password) > 72:
		c.add(field, "must be at most 72 bytes")
	case strings.EqualFold(password, username):
		c.add(field, "must not be the username")
	case password == DemoPassword:
		c.add(field, "must not be the demo password")
	}
	return c.err()
}

// DemoPassword is the password of the demo accounts, refused as a new one.
const DemoPassword = "demo-password"

// setPassword hashes password and stores it for u, revoking u's tokens.
func (a *Accounts) setPassword(ctx context.Context, u *User, field, password string) error {
	if err := checkNewPassword(field, u.Username, password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return Internal(err)
	}
	err = a.store.SetPassword(ctx, u.ID, string(hash))
	a.tokens.dropUser(u.ID)
	return err
}

// ChangePassword changes the actor's own password, given the current one;
// every token and session of the actor is revoked. EUNAUTHENTICATED when
// the current password is wrong.
func (a *Accounts) ChangePassword(ctx context.Context, actor *User, current, password string) error {
	if actor == nil {
		return Errorf(EUNAUTHENTICATED, "sign in first")
	}
	u, hash, err := a.store.UserByUsername(ctx, actor.Username)
	if err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(current)) != nil {
		return Invalid(FieldError{Field: "current_password", Message: "is wrong"})
	}
	return a.setPassword(ctx, u, "new_password", password)
}

// ResetPassword sets another user's password: an admin, or the CLI (actor
// nil, with the operator's access to the database). Every token and session
// of the user is revoked.
func (a *Accounts) ResetPassword(ctx context.Context, actor *User, username, password string) error {
	if actor != nil {
		if err := requireRole(actor, RoleAdmin, "manage users"); err != nil {
			return err
		}
	}
	u, _, err := a.store.UserByUsername(ctx, username)
	if err != nil {
		return err
	}
	return a.setPassword(ctx, u, "new_password", password)
}

// checkPassword returns the enabled user whose password this is, or
// EUNAUTHENTICATED, spending the same time for an unknown user.
func (a *Accounts) checkPassword(ctx context.Context, username, password string) (*User, error) {
	u, hash, err := a.store.UserByUsername(ctx, username)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if u == nil {
		_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(password))
		return nil, Errorf(EUNAUTHENTICATED, "wrong username or password")
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || u.Disabled {
		return nil, Errorf(EUNAUTHENTICATED, "wrong username or password")
	}
	return u, nil
}

// A browser session is a token that expires after idle without use, and
// after TokenTTL whatever the use. Its text carries when it was issued
// ("<random>.<unix seconds>"); as only its hash is stored, a changed time is
// an unknown token.

// StartSession checks a password and issues a browser session token that
// expires after idle without use.
func (a *Accounts) StartSession(ctx context.Context, username, password string, idle time.Duration) (string, *User, error) {
	u, err := a.checkPassword(ctx, username, password)
	if err != nil {
		return "", nil, err
	}
	now := a.clock.Now()
	token := RandomSecret(32) + "." + strconv.FormatInt(now.Unix(), 10)
	if err := a.store.CreateToken(ctx, u.ID, HashToken(token), sessionExpiry(now, now, idle)); err != nil {
		return "", nil, err
	}
	return token, u, nil
}

func sessionExpiry(issued, now time.Time, idle time.Duration) time.Time {
	end := issued.Add(TokenTTL)
	if until := now.Add(idle); until.Before(end) {
		return until
	}
	return end
}

// ResumeSession returns the user of a live browser session and extends it
// by idle from now (sliding): EUNAUTHENTICATED when it is unknown, idle for
// longer than idle, older than TokenTTL, or not a session token.
func (a *Accounts) ResumeSession(ctx context.Context, token string, idle time.Duration) (*User, error) {
	_, issuedText, ok := strings.Cut(token, ".")
	issued, err := strconv.ParseInt(issuedText, 10, 64)
	if !ok || err != nil {
		return nil, Errorf(EUNAUTHENTICATED, "the session is invalid or has expired")
	}

	now := a.clock.Now()
	alive, err := a.store.ExtendToken(ctx, HashToken(token), now, sessionExpiry(time.Unix(issued, 0), now, idle))
	if err != nil {
		return nil, err
	}
	if !alive {
		return nil, Errorf(EUNAUTHENTICATED, "the session is invalid or has expired")
	}
	return a.Authenticate(ctx, token)
}

// CheckLoginName refuses, before anything else looks at it (the sign-in
// limits key on it), a username that no account can have: longer than a
// username may be, or with characters outside one line. The API and the
// pages both call it.
func CheckLoginName(username string) error {
	var c fieldCheck
	c.text("username", username, 63)
	return c.err()
}
