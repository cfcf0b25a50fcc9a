package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/retry"
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
//
// A disabled user (User.Disabled) neither signs in nor links an identity:
// ErrAccountDisabled, a commerce.ErrForbidden. Unlike password sign-in,
// which answers a disabled user as a wrong password, this tells the
// person that their account exists and is closed: they proved at the
// provider that the identity is theirs, so no one else learns it.
//
// A new customer's user.signed_up event (UserSignedUp, provider
// ext.Provider) is stored with the user and the identity, in the same
// transaction; signing in and linking store none.
func (s *Service) SignInExternal(ctx context.Context, actor commerce.Actor, ext ExternalUser, current string) (SignedIn, error) {
	ext.Provider, ext.Subject = strings.TrimSpace(ext.Provider), strings.TrimSpace(ext.Subject)
	ext.Email = strings.TrimSpace(ext.Email)
	var bad commerce.ValidationError
	checkIdentityKey(&bad, "", ext.Provider, ext.Subject)
	if err := bad.Err(); err != nil {
		return SignedIn{}, err
	}
	ext.Email = plausibleEmail(ext.Email)
	// A lost race of the creation below is read again, as an optimistic
	// edit is (retry.OnConflict), within the same bound; the loop is its
	// own because the same errors are final when they are not a race.
	for run := 1; ; run++ {
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
			// A disabled user links nothing, even from a session that
			// outlived the disabling.
			u, err := s.users.GetUser(ctx, actor.UserID)
			if err != nil {
				return SignedIn{}, err
			}
			if u.Disabled {
				return SignedIn{}, ErrAccountDisabled
			}
			identity.UserID = actor.UserID
			if err := s.users.LinkIdentity(ctx, identity); err != nil {
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
			wctx := commerce.WithEvents(ctx, signedUpEvent(u, ext.Provider))
			return s.users.CreateUser(wctx, u, &identity)
		})
		var taken *TakenError
		switch {
		case err == nil:
			return signedIn, nil
		case run < retry.Runs && (errors.Is(err, ErrIdentityTaken) || errors.As(err, &taken)):
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
	base := commerce.CleanText(ext.Nickname)
	if base == "" && email != "" {
		base = email[:max(strings.IndexByte(email, '@'), 0)]
	}
	if base == "" {
		base = ext.Provider + " 사용자"
	}
	base = truncateRunes(base, MaxNicknameLen-4)

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
	u.Nickname = truncateRunes(base, MaxNicknameLen-9) + "-" + u.ID.String()[len(u.ID.String())-8:]
	return u, nil
}

// checkIdentityKey checks the provider and the subject of an identity,
// recording a problem under prefix+"provider" or prefix+"subject".
func checkIdentityKey(bad *commerce.ValidationError, prefix, provider, subject string) {
	if !validProvider(provider) {
		bad.Add(prefix+"provider", "required: 1 to 32 lowercase letters, digits, - or _")
	}
	if subject == "" || len(subject) > 255 || !utf8.ValidString(subject) || strings.IndexFunc(subject, unicode.IsControl) >= 0 {
		bad.Add(prefix+"subject", "required: at most 255 bytes of printable UTF-8")
	}
}

// plausibleEmail returns an email a provider reported, or "" when it is
// not a plausible address: such an address is dropped rather than stored.
func plausibleEmail(email string) string {
	var bad commerce.ValidationError
	if checkEmail(&bad, email, false); bad.Err() != nil {
		return ""
	}
	return email
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

// SignInStateStore keeps external sign-ins in progress: what package
// social remembers between sending a browser to a provider and the
// provider's callback (the state, the PKCE verifier and the OpenID Connect
// nonce). Taking a record deletes it, so that each sign-in completes at
// most once and a replayed callback finds nothing. The SessionStores of
// memstore and redisstore implement it too: find it with a type assertion.
type SignInStateStore interface {
	// PutSignInState stores value under key until ttl has passed,
	// replacing any value under key.
	PutSignInState(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// TakeSignInState returns the value under key and deletes it, in one
	// atomic step: of any number of calls with one key, at most one gets
	// the value. found is false when there is none or its ttl has passed.
	TakeSignInState(ctx context.Context, key string) (value []byte, found bool, err error)
}
