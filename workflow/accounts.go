package workflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
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
}

// NewAccounts returns the account service over store.
func NewAccounts(store UserStore, clock Clock) *Accounts {
	dummy, _ := bcrypt.GenerateFromPassword([]byte("timing-equaliser-password"), bcryptCost)
	return &Accounts{store: store, clock: clock, dummy: dummy}
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
	if err := a.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// Login checks a password and issues a token valid for TokenTTL.
// EUNAUTHENTICATED for a wrong username, wrong password or disabled account,
// without saying which.
func (a *Accounts) Login(ctx context.Context, username, password string) (string, *User, error) {
	u, hash, err := a.store.UserByUsername(ctx, username)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return "", nil, err
	}
	if u == nil {
		// Spend the same time as for a real account.
		_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(password))
		return "", nil, Errorf(EUNAUTHENTICATED, "wrong username or password")
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || u.Disabled {
		return "", nil, Errorf(EUNAUTHENTICATED, "wrong username or password")
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
	u, err := a.store.UserByToken(ctx, HashToken(token), a.clock.Now())
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHENTICATED, "the token is invalid or has expired")
	}
	return u, err
}

// Logout forgets a token.
func (a *Accounts) Logout(ctx context.Context, token string) error {
	return a.store.DeleteToken(ctx, HashToken(token))
}
