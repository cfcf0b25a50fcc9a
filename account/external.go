package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// ExternalUser is what a provider (Google, Kakao) says about the person
// who signed in there.
type ExternalUser struct {
	// Provider is the provider's name: "google" or "kakao".
	Provider string
	// Subject is the provider's stable id of the account.
	Subject string
	// Email is the address the provider reports, possibly empty.
	Email string
	// EmailVerified is true when the provider vouches for Email. An
	// unverified address is never stored.
	EmailVerified bool
	// Nickname is the provider's display name, possibly empty.
	Nickname string
}

// SignInExternal signs in with an account at a provider.
//
// A known identity signs its user in. An unknown identity, presented by a
// signed-in actor, is linked to the actor's account; presented by anyone
// else, it creates a new customer with a nickname from the provider (or
// the email's local part) made unique with a suffix. An identity is never
// linked to an existing account because the emails match — only by that
// account's signed-in owner. current is the token the client holds; that
// session ends.
func (s *Service) SignInExternal(ctx context.Context, actor commerce.Actor, ext ExternalUser, current string) (SignedIn, error) {
	ext.Provider, ext.Subject = strings.TrimSpace(ext.Provider), strings.TrimSpace(ext.Subject)
	ext.Email = strings.TrimSpace(ext.Email)
	var bad commerce.ValidationError
	if !validProvider(ext.Provider) {
		bad.Add("provider", "required: 1 to 32 lowercase letters, digits, - or _")
	}
	if ext.Subject == "" || len(ext.Subject) > 255 || !utf8.ValidString(ext.Subject) || strings.IndexFunc(ext.Subject, unicode.IsControl) >= 0 {
		bad.Add("subject", "required: at most 255 bytes of printable UTF-8")
	}
	if err := bad.Err(); err != nil {
		return SignedIn{}, err
	}
	// An email the provider sends that is not a plausible address is
	// dropped rather than stored.
	var mailCheck commerce.ValidationError
	if checkEmail(&mailCheck, ext.Email, false); mailCheck.Err() != nil {
		ext.Email = ""
	}
	for attempt := 0; ; attempt++ {
		id, err := s.users.GetIdentity(ctx, ext.Provider, ext.Subject)
		switch {
		case err == nil:
			if actor.SignedIn() && actor.UserID != id.UserID {
				return SignedIn{}, ErrIdentityTaken
			}
			u, err := s.users.GetUser(ctx, id.UserID)
			if err != nil {
				return SignedIn{}, err
			}
			return s.startSession(ctx, u, current, nil)
		case !errors.Is(err, ErrIdentityNotFound):
			return SignedIn{}, err
		}

		identity := Identity{Provider: ext.Provider, Subject: ext.Subject, CreatedAt: s.now.Now()}
		if ext.EmailVerified {
			identity.Email = ext.Email
		}
		if actor.SignedIn() {
			identity.UserID = actor.UserID
			if err := s.users.LinkIdentity(ctx, identity); err != nil {
				return SignedIn{}, err
			}
			u, err := s.users.GetUser(ctx, actor.UserID)
			if err != nil {
				return SignedIn{}, err
			}
			return s.startSession(ctx, u, current, nil)
		}

		u, err := s.newExternalUser(ctx, ext)
		if err != nil {
			return SignedIn{}, err
		}
		identity.UserID = u.ID
		signedIn, err := s.startSession(ctx, u, current, func() error {
			return s.users.CreateUser(ctx, u, &identity)
		})
		var taken *TakenError
		switch {
		case err == nil:
			return signedIn, nil
		case attempt < 3 && (errors.Is(err, ErrIdentityTaken) || errors.As(err, &taken)):
			// Another sign-in with this identity, or another user taking the
			// nickname, won the race: look again.
			continue
		}
		return SignedIn{}, err
	}
}

// newExternalUser makes the user for a first sign-in through a provider.
func (s *Service) newExternalUser(ctx context.Context, ext ExternalUser) (User, error) {
	now := s.now.Now()
	u := User{ID: s.newID(), Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1}
	u.Username = ext.Provider + "_" + strings.Map(func(r rune) rune {
		if strings.ContainsRune("@.+-_", r) || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, ext.Subject)
	if len(u.Username) > maxUsernameLen {
		u.Username = ext.Provider + "_" + u.ID.String()
	}
	email := ext.Email
	if ext.EmailVerified {
		u.Email = email
	}
	base := clean(ext.Nickname)
	if base == "" && email != "" {
		base = email[:max(strings.IndexByte(email, '@'), 0)]
	}
	if base == "" {
		base = ext.Provider + " 사용자"
	}
	base = truncateRunes(base, maxNicknameLen-4)

	taken, err := s.users.FindTaken(ctx, uuid.Nil, u.Username, "", u.Email)
	if err != nil {
		return User{}, err
	}
	for _, f := range taken {
		switch f {
		case "username":
			u.Username = ext.Provider + "_" + u.ID.String()
		case "email":
			// Someone else has this address; the new user goes without
			// rather than be tied to that account.
			u.Email = ""
		}
	}
	for i := 1; i <= maxSuffixTries; i++ {
		nick := base
		if i > 1 {
			nick = fmt.Sprintf("%s%d", base, i)
		}
		taken, err := s.users.FindTaken(ctx, uuid.Nil, "", nick, "")
		if err != nil {
			return User{}, err
		}
		if len(taken) == 0 {
			u.Nickname = nick
			return u, nil
		}
	}
	u.Nickname = truncateRunes(base, maxNicknameLen-9) + "-" + u.ID.String()[len(u.ID.String())-8:]
	return u, nil
}

func validProvider(p string) bool {
	if p == "" || len(p) > 32 {
		return false
	}
	for _, r := range p {
		if !('a' <= r && r <= 'z') && !('0' <= r && r <= '9') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// EnsureStaff makes sure a staff account with username and password
// exists: it creates one, or makes an existing user staff with that
// password. A user who becomes staff, or whose password changes, is signed
// out everywhere. It is meant for configuration at start-up.
func (s *Service) EnsureStaff(ctx context.Context, username, password string) (Account, error) {
	username = clean(username)
	var bad commerce.ValidationError
	checkUsername(&bad, username)
	if password == "" {
		bad.Add("password", "required")
	} else if problems := PasswordProblems(password, Attr{"username", username}); len(problems) > 0 {
		bad.Add("password", strings.Join(problems, "; "))
	}
	if err := bad.Err(); err != nil {
		return Account{}, err
	}
	for attempt := 0; ; attempt++ {
		u, err := s.users.GetUserByUsername(ctx, username)
		switch {
		case errors.Is(err, ErrUserNotFound):
			u, err = s.createStaff(ctx, username, password)
			var taken *TakenError
			if errors.As(err, &taken) && attempt < 3 {
				continue
			}
			if err != nil {
				return Account{}, err
			}
			return s.account(ctx, u)
		case err != nil:
			return Account{}, err
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
		next, err = s.setAccess(ctx, u, next, !ok || !u.Staff, "")
		if errors.Is(err, ErrVersionConflict) && attempt < 3 {
			continue
		}
		if err != nil {
			return Account{}, err
		}
		return s.account(ctx, next)
	}
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
	u.Nickname = truncateRunes(username, maxNicknameLen)
	taken, err := s.users.FindTaken(ctx, uuid.Nil, "", u.Nickname, "")
	if err != nil {
		return User{}, err
	}
	if len(taken) > 0 {
		u.Nickname = truncateRunes(username, maxNicknameLen-9) + "-" + u.ID.String()[len(u.ID.String())-8:]
	}
	return u, s.users.CreateUser(ctx, u, nil)
}
