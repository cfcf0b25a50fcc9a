package memstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

// Accounts returns the store's user repository.
func (s *Store) Accounts() account.Repository { return accountRepo{s} }

type accountRepo struct{ s *Store }

var _ account.Repository = accountRepo{}

// userIndex maps the folded unique fields of users to their ids.
type userIndex struct {
	byUsername map[string]uuid.UUID
	byNickname map[string]uuid.UUID
	byEmail    map[string]uuid.UUID
}

func (x *userIndex) init() {
	x.byUsername = make(map[string]uuid.UUID)
	x.byNickname = make(map[string]uuid.UUID)
	x.byEmail = make(map[string]uuid.UUID)
}

// taken returns the unique fields of u held by another user.
func (x *userIndex) taken(except uuid.UUID, username, nickname, email string) []string {
	var out []string
	check := func(field string, m map[string]uuid.UUID, v string) {
		if k := commerce.Fold(v); k != "" {
			if id, ok := m[k]; ok && id != except {
				out = append(out, field)
			}
		}
	}
	check("username", x.byUsername, username)
	check("nickname", x.byNickname, nickname)
	check("email", x.byEmail, email)
	return out
}

func (x *userIndex) add(u account.User) {
	x.byUsername[commerce.Fold(u.Username)] = u.ID
	x.byNickname[commerce.Fold(u.Nickname)] = u.ID
	if k := commerce.Fold(u.Email); k != "" {
		x.byEmail[k] = u.ID
	}
}

func (x *userIndex) remove(u account.User) {
	delete(x.byUsername, commerce.Fold(u.Username))
	delete(x.byNickname, commerce.Fold(u.Nickname))
	delete(x.byEmail, commerce.Fold(u.Email))
}

func identityKey(provider, subject string) string { return provider + "\x00" + subject }

// copyUser copies u, with its interests as a sorted set.
func copyUser(u account.User) account.User {
	u.Interests = slices.Clone(u.Interests)
	slices.SortFunc(u.Interests, compareIDs)
	u.Interests = slices.Compact(u.Interests)
	if u.Interests == nil {
		u.Interests = []uuid.UUID{}
	}
	return u
}

// checkInterests reports whether every interest names a problem.
func (s *Store) checkInterests(ids []uuid.UUID) error {
	for _, id := range ids {
		if _, ok := s.problems[id]; !ok {
			return account.ErrUnknownInterest
		}
	}
	return nil
}

func (r accountRepo) CreateUser(ctx context.Context, u account.User, identity *account.Identity) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; ok {
		return account.ErrDuplicateID
	}
	if taken := s.userIndex.taken(uuid.Nil, u.Username, u.Nickname, u.Email); len(taken) > 0 {
		return account.Taken(taken...)
	}
	if err := s.checkInterests(u.Interests); err != nil {
		return err
	}
	if identity != nil {
		if _, ok := s.identities[identityKey(identity.Provider, identity.Subject)]; ok {
			return account.ErrIdentityTaken
		}
	}
	events, err := s.eventsToStore(ctx, nil)
	if err != nil {
		return err
	}
	s.users[u.ID] = copyUser(u)
	s.userIndex.add(u)
	if identity != nil {
		id := *identity
		id.UserID = u.ID
		s.identities[identityKey(id.Provider, id.Subject)] = id
	}
	s.storeEvents(events, nil)
	return nil
}

func (r accountRepo) GetUser(ctx context.Context, id uuid.UUID) (account.User, error) {
	if err := ctxErr(ctx); err != nil {
		return account.User{}, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.users[id]
	if !ok {
		return account.User{}, account.ErrUserNotFound
	}
	return s.userOut(u), nil
}

// userOut returns a copy of a stored user.
func (s *Store) userOut(u account.User) account.User { return copyUser(u) }

// dropInterest removes a deleted problem from every user's interests.
func (s *Store) dropInterest(problemID uuid.UUID) {
	for id, u := range s.users {
		if i := slices.Index(u.Interests, problemID); i >= 0 {
			u.Interests = slices.Delete(slices.Clone(u.Interests), i, i+1)
			s.users[id] = u
		}
	}
}

func (r accountRepo) GetUserByUsername(ctx context.Context, username string) (account.User, error) {
	if err := ctxErr(ctx); err != nil {
		return account.User{}, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.userIndex.byUsername[commerce.Fold(username)]
	if !ok || commerce.Fold(username) == "" {
		return account.User{}, account.ErrUserNotFound
	}
	return s.userOut(s.users[id]), nil
}

func (r accountRepo) FindTaken(ctx context.Context, except uuid.UUID, username, nickname, email string) ([]string, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.userIndex.taken(except, username, nickname, email), nil
}

func (r accountRepo) UpdateUser(ctx context.Context, u account.User, ifVersion int64) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.users[u.ID]
	switch {
	case !ok:
		return account.ErrUserNotFound
	case old.Version != ifVersion:
		return account.ErrVersionConflict
	}
	if taken := s.userIndex.taken(u.ID, u.Username, u.Nickname, u.Email); len(taken) > 0 {
		return account.Taken(taken...)
	}
	if err := s.checkInterests(u.Interests); err != nil {
		return err
	}
	s.userIndex.remove(old)
	s.userIndex.add(u)
	s.users[u.ID] = copyUser(u)
	return nil
}

func (r accountRepo) GetIdentity(ctx context.Context, provider, subject string) (account.Identity, error) {
	if err := ctxErr(ctx); err != nil {
		return account.Identity{}, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.identities[identityKey(provider, subject)]
	if !ok {
		return account.Identity{}, account.ErrIdentityNotFound
	}
	return id, nil
}

func (r accountRepo) LinkIdentity(ctx context.Context, id account.Identity) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[id.UserID]; !ok {
		return account.ErrUserNotFound
	}
	if _, ok := s.identities[identityKey(id.Provider, id.Subject)]; ok {
		return account.ErrIdentityTaken
	}
	for _, other := range s.identities {
		if other.UserID == id.UserID && other.Provider == id.Provider {
			return account.ErrProviderLinked
		}
	}
	s.identities[identityKey(id.Provider, id.Subject)] = id
	return nil
}

func (r accountRepo) ListIdentities(ctx context.Context, userID uuid.UUID) ([]account.Identity, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []account.Identity{}
	for _, id := range s.identities {
		if id.UserID == userID {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b account.Identity) int { return strings.Compare(a.Provider, b.Provider) })
	return out, nil
}

// ListUsers walks the users newest first, keeping those whose folded
// username or email contains the folded search.
func (r accountRepo) ListUsers(ctx context.Context, q account.UserQuery) ([]account.User, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	search := commerce.Fold(q.Search)
	var found []account.User
	for _, u := range s.users {
		if q.Before != uuid.Nil && compareIDs(u.ID, q.Before) >= 0 {
			continue
		}
		if search != "" && !strings.Contains(commerce.Fold(u.Username), search) &&
			(u.Email == "" || !strings.Contains(commerce.Fold(u.Email), search)) {
			continue
		}
		found = append(found, u)
	}
	slices.SortFunc(found, func(a, b account.User) int { return compareIDs(b.ID, a.ID) })
	found = found[:min(len(found), max(q.Limit, 0))]
	out := make([]account.User, len(found))
	for i, u := range found {
		out[i] = s.userOut(u)
	}
	return out, nil
}

func (r accountRepo) GetUsers(ctx context.Context, ids []uuid.UUID) ([]account.User, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []account.User{}
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if u, ok := s.users[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, s.userOut(u))
		}
	}
	slices.SortFunc(out, func(a, b account.User) int { return compareIDs(b.ID, a.ID) })
	return out, nil
}

func (r accountRepo) ListIdentitiesOf(ctx context.Context, userIDs []uuid.UUID) ([]account.Identity, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	want := make(map[uuid.UUID]bool, len(userIDs))
	for _, id := range userIDs {
		want[id] = true
	}
	out := []account.Identity{}
	for _, id := range s.identities {
		if want[id.UserID] {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b account.Identity) int {
		if c := compareIDs(a.UserID, b.UserID); c != 0 {
			return c
		}
		return strings.Compare(a.Provider, b.Provider)
	})
	return out, nil
}

// ---- sessions ----

// Sessions returns the store's session store. Sessions expire by the
// store's clock (Options.Now).
func (s *Store) Sessions() account.SessionStore { return sessionStore{s} }

type sessionStore struct{ s *Store }

var _ account.SessionStore = sessionStore{}

func (r sessionStore) CreateSession(ctx context.Context, sess account.Session) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	s.sessions[sess.ID] = sess
	return nil
}

// live returns the session with id if it exists and has not expired,
// forgetting it if it has.
func (s *Store) live(id string) (account.Session, bool) {
	sess, ok := s.sessions[id]
	if ok && sess.Expired(s.now()) {
		delete(s.sessions, id)
		return account.Session{}, false
	}
	return sess, ok
}

func (r sessionStore) GetSession(ctx context.Context, id string) (account.Session, error) {
	if err := ctxErr(ctx); err != nil {
		return account.Session{}, err
	}
	s := r.s
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	sess, ok := s.live(id)
	if !ok {
		return account.Session{}, account.ErrSessionNotFound
	}
	return sess, nil
}

func (r sessionStore) TouchSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	sess, ok := s.live(id)
	if !ok {
		return account.ErrSessionNotFound
	}
	sess.LastSeenAt, sess.IdleExpiresAt = lastSeen, idleExpires
	s.sessions[id] = sess
	return nil
}

func (r sessionStore) DeleteSession(ctx context.Context, id string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	delete(s.sessions, id)
	return nil
}

func (r sessionStore) DeleteUserSessions(ctx context.Context, userID uuid.UUID, except string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if userID == uuid.Nil {
		return nil
	}
	s := r.s
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	for id, sess := range s.sessions {
		if sess.UserID == userID && id != except {
			delete(s.sessions, id)
		}
	}
	return nil
}

// ---- sign-in attempts ----

// Attempts returns the store's counter of attempts (failed sign-ins,
// sign-ups) that the account service throttles by, whose windows
// follow the store's clock.
func (s *Store) Attempts() account.AttemptStore { return attemptStore{s} }

type attemptStore struct{ s *Store }

var _ account.AttemptStore = attemptStore{}

type attemptWindow struct {
	count   int
	resetAt time.Time
}

func (r attemptStore) AddFailure(ctx context.Context, key string, window time.Duration) (int, time.Time, error) {
	if err := ctxErr(ctx); err != nil {
		return 0, time.Time{}, err
	}
	s := r.s
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	now := s.now()
	w, ok := s.attempts[key]
	if !ok || !now.Before(w.resetAt) {
		w = attemptWindow{resetAt: now.Add(window)}
	}
	w.count++
	s.attempts[key] = w
	return w.count, w.resetAt, nil
}

func (r attemptStore) Failures(ctx context.Context, key string) (int, time.Time, error) {
	if err := ctxErr(ctx); err != nil {
		return 0, time.Time{}, err
	}
	s := r.s
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	w, ok := s.attempts[key]
	if !ok || !s.now().Before(w.resetAt) {
		delete(s.attempts, key)
		return 0, time.Time{}, nil
	}
	return w.count, w.resetAt, nil
}

func (r attemptStore) ResetFailures(ctx context.Context, key string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	delete(s.attempts, key)
	return nil
}
