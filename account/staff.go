package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/retry"
)

// UserFilter selects a page of users for Service.Users.
type UserFilter struct {
	// Query keeps the users whose username or email contains it, compared
	// folded (commerce.Fold): "KIM" finds "minjun.kim" and
	// "Kim@example.com". "" keeps every user.
	Query  string
	Limit  int
	Cursor string
}

// Users returns a page of users, newest first, for staff to look after:
// with UserFilter.Query, those whose username or email contains it,
// case-insensitively. Staff only.
func (s *Service) Users(ctx context.Context, actor commerce.Actor, f UserFilter) (commerce.Page[Account], error) {
	if err := staffOnly(actor); err != nil {
		return commerce.Page[Account]{}, err
	}
	var bad commerce.ValidationError
	limit, err := commerce.CheckLimit(f.Limit)
	for k, m := range commerce.FieldErrors(err) {
		bad.Add(k, m)
	}
	before, err := commerce.DecodeCursor(f.Cursor)
	for k, m := range commerce.FieldErrors(err) {
		bad.Add(k, m)
	}
	query := commerce.CleanText(f.Query)
	switch {
	case !utf8.ValidString(query):
		bad.Add("query", "must be valid UTF-8")
	// No username or email is longer, so a longer query finds no one.
	case utf8.RuneCountInString(query) > maxEmailLen:
		bad.Add("query", fmt.Sprintf("must be at most %d characters", maxEmailLen))
	}
	if err := bad.Err(); err != nil {
		return commerce.Page[Account]{}, err
	}
	users, err := s.users.ListUsers(ctx, UserQuery{Search: query, Before: before, Limit: limit + 1})
	if err != nil {
		return commerce.Page[Account]{}, err
	}
	page := commerce.PageOf(users, limit, func(u User) uuid.UUID { return u.ID })
	accounts, err := s.accounts(ctx, page.Items)
	if err != nil {
		return commerce.Page[Account]{}, err
	}
	return commerce.Page[Account]{Items: accounts, NextCursor: page.NextCursor}, nil
}

// UsersByID returns the accounts of the users ids, by id, in a fixed
// number of queries — for a page of orders that names their customers.
// An id that names no user is not in the map. At most commerce.MaxLimit
// ids. Staff only.
func (s *Service) UsersByID(ctx context.Context, actor commerce.Actor, ids []uuid.UUID) (map[uuid.UUID]Account, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	if len(ids) > commerce.MaxLimit {
		return nil, commerce.Invalid("ids", fmt.Sprintf("at most %d", commerce.MaxLimit))
	}
	out := make(map[uuid.UUID]Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	users, err := s.users.GetUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	accounts, err := s.accounts(ctx, users)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		out[a.ID] = a
	}
	return out, nil
}

// SetStaff makes the user userID staff, or a customer again. Staff only;
// an unknown user is ErrUserNotFound, and a staff member taking away
// their own flag is ErrSelfDemotion.
//
// A session carries the staff flag it began with (Session.Staff), so
// SetStaff ends every session of the user: they sign in again as what
// they now are. It does so even when the flag was already as asked, so
// that a call whose write went through but whose sessions could not be
// ended (a session store that did not answer) is finished by calling it
// again; only the actor's own session is spared, which carries the flag
// it keeps.
func (s *Service) SetStaff(ctx context.Context, actor commerce.Actor, userID uuid.UUID, staff bool) (Account, error) {
	if err := staffOnly(actor); err != nil {
		return Account{}, err
	}
	if userID == actor.UserID && !staff {
		return Account{}, ErrSelfDemotion
	}
	return retry.OnConflict(ctx, stale, func() (Account, error) {
		u, err := s.users.GetUser(ctx, userID)
		if err != nil {
			return Account{}, err
		}
		next := u
		next.Staff = staff
		if next, err = s.setAccess(ctx, u, next, true, actor.SessionID); err != nil {
			return Account{}, err
		}
		return s.account(ctx, next)
	})
}

// BootstrapStaff makes sure that a staff account with username and
// password exists: it creates one, or makes the user of that username
// staff with that password. A user who becomes staff, or whose password
// changes, is signed out everywhere.
//
// It takes no actor and checks no one's rights: it is a trusted operation
// of the program that embeds the engine, for its configuration at
// start-up (the reference server's COMMERCE_BOOTSTRAP_STAFF) or an
// operator's command. No request may reach it — a route that called it
// would let anyone make themselves staff. Staff make other users staff
// with SetStaff, which checks the actor.
//
// A disabled user of that username is left as it is, and the answer is
// ErrAccountDisabled: an account closed on purpose is not reopened by a
// configuration, and an account that cannot sign in is not the staff
// account asked for.
//
// A staff account it creates stores no user.signed_up event: no customer
// signed up.
func (s *Service) BootstrapStaff(ctx context.Context, username, password string) (Account, error) {
	var bad commerce.ValidationError
	username = checkUsername(&bad, username)
	if password == "" {
		bad.Add("password", "required")
	} else if problems := PasswordProblems(password, Attr{"username", username}); len(problems) > 0 {
		bad.Add("password", strings.Join(problems, "; "))
	}
	if err := bad.Err(); err != nil {
		return Account{}, err
	}
	// Another start-up making the same account, or a user's edit, may
	// win the race between the read and the write: read again.
	lost := func(err error) bool {
		var taken *TakenError
		return stale(err) || errors.As(err, &taken)
	}
	return retry.OnConflict(ctx, lost, func() (Account, error) {
		u, err := s.users.GetUserByUsername(ctx, username)
		switch {
		case errors.Is(err, ErrUserNotFound):
			if u, err = s.createStaff(ctx, username, password); err != nil {
				return Account{}, err
			}
			return s.account(ctx, u)
		case err != nil:
			return Account{}, err
		case u.Disabled:
			return Account{}, ErrAccountDisabled
		}
		ok, rehash, err := s.hasher.Verify(ctx, password, u.PasswordHash)
		if err != nil {
			return Account{}, err
		}
		if ok && !rehash && u.Staff {
			return s.account(ctx, u)
		}
		next := u
		if !ok || rehash {
			if next.PasswordHash, err = s.hasher.Hash(ctx, password); err != nil {
				return Account{}, err
			}
		}
		next.Staff = true
		// A re-hash of the same password leaves the sessions alone.
		if next, err = s.setAccess(ctx, u, next, !ok || !u.Staff, ""); err != nil {
			return Account{}, err
		}
		return s.account(ctx, next)
	})
}

func (s *Service) createStaff(ctx context.Context, username, password string) (User, error) {
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	now := s.now.Now()
	u := User{
		ID: s.newID(), Username: username, PasswordHash: hash, Staff: true,
		Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	u.Nickname = truncateRunes(username, MaxNicknameLen)
	taken, err := s.users.FindTaken(ctx, uuid.Nil, "", u.Nickname, "")
	if err != nil {
		return User{}, err
	}
	if len(taken) > 0 {
		u.Nickname = truncateRunes(username, MaxNicknameLen-9) + "-" + u.ID.String()[len(u.ID.String())-8:]
	}
	return u, s.users.CreateUser(ctx, u, nil)
}

// setAccess stores next — cur with another staff flag or password hash —
// when it differs from cur, and then, when endSessions is true, ends every
// session of the user but except (a session id, or "" for none). A
// session copies the staff flag when it begins and trusts it until it
// ends, so ending the sessions after the write is what keeps a changed
// flag from going stale in any of them: a sign-in racing the change reads
// the new flag, and every session begun before it is gone. A password set
// for a user by someone else ends their sessions the same way. It returns
// ErrVersionConflict when cur is no longer the stored version.
func (s *Service) setAccess(ctx context.Context, cur, next User, endSessions bool, except string) (User, error) {
	if next.Staff != cur.Staff || next.PasswordHash != cur.PasswordHash {
		next.UpdatedAt, next.Version = s.now.Now(), cur.Version+1
		if err := s.users.UpdateUser(ctx, next, cur.Version); err != nil {
			return User{}, err
		}
	}
	if endSessions {
		if err := s.sessions.DeleteUserSessions(ctx, cur.ID, except); err != nil {
			return User{}, err
		}
	}
	return next, nil
}

// accounts returns users as accounts, in their order, reading the
// identities of all of them in one call.
func (s *Service) accounts(ctx context.Context, users []User) ([]Account, error) {
	out := make([]Account, len(users))
	if len(users) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	identities, err := s.users.ListIdentitiesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	providers := make(map[uuid.UUID][]string, len(users))
	for _, id := range identities {
		providers[id.UserID] = append(providers[id.UserID], id.Provider)
	}
	for i, u := range users {
		p := providers[u.ID]
		if p == nil {
			p = []string{}
		}
		out[i] = accountOf(u, p)
	}
	return out, nil
}

// staffOnly is nil for staff, ErrStaffOnly for a customer and
// ErrSignInRequired for a visitor.
func staffOnly(a commerce.Actor) error { return a.RequireStaff(ErrSignInRequired, ErrStaffOnly) }
