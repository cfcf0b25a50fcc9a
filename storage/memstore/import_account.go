package memstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

// FindHolders looks the folded values up in the index of unique fields.
func (r accountRepo) FindHolders(ctx context.Context, usernames, nicknames, emails []string) (account.Holders, error) {
	if err := ctxErr(ctx); err != nil {
		return account.Holders{}, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	find := func(index map[string]uuid.UUID, values []string) map[string]uuid.UUID {
		out := make(map[string]uuid.UUID)
		for _, v := range values {
			if k := commerce.Fold(v); k != "" {
				if id, ok := index[k]; ok {
					out[k] = id
				}
			}
		}
		return out
	}
	return account.Holders{
		Usernames: find(s.userIndex.byUsername, usernames),
		Nicknames: find(s.userIndex.byNickname, nicknames),
		Emails:    find(s.userIndex.byEmail, emails),
	}, nil
}

func (r accountRepo) FindIdentities(ctx context.Context, keys []account.IdentityKey) ([]account.Identity, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []account.Identity{}
	seen := make(map[account.IdentityKey]bool, len(keys))
	for _, k := range keys {
		if id, ok := s.identities[identityKey(k.Provider, k.Subject)]; ok && !seen[k] {
			seen[k] = true
			out = append(out, id)
		}
	}
	return out, nil
}

func (r accountRepo) MissingProblems(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []uuid.UUID
	seen := make(map[uuid.UUID]bool)
	for _, id := range ids {
		if _, ok := s.problems[id]; !ok && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// ImportUsers checks the whole batch under the store's lock before it
// changes anything, so that a refused batch leaves the store as it was.
func (r accountRepo) ImportUsers(ctx context.Context, us []account.ImportedUser) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	inBatch := make(map[uuid.UUID]bool, len(us))
	claimed := newUserIndex()
	claimedIdentities := make(map[string]bool)
	for _, in := range us {
		u := in.User
		var stored int64 // 0: no user has the id
		if old, ok := s.users[u.ID]; ok {
			stored = old.Version
		}
		if u.Version < 1 || stored != u.Version-1 || inBatch[u.ID] {
			return account.ErrVersionConflict
		}
		inBatch[u.ID] = true
		taken := s.userIndex.taken(u.ID, u.Username, u.Nickname, u.Email)
		taken = append(taken, claimed.taken(u.ID, u.Username, u.Nickname, u.Email)...)
		if len(taken) > 0 {
			return account.Taken(taken...)
		}
		claimed.add(u)
		if err := s.checkInterests(u.Interests); err != nil {
			return err
		}
		for _, id := range in.Identities {
			k := identityKey(id.Provider, id.Subject)
			if other, ok := s.identities[k]; ok && other.UserID != u.ID || claimedIdentities[k] {
				return account.ErrIdentityTaken
			}
			claimedIdentities[k] = true
		}
	}

	for k, id := range s.identities {
		if inBatch[id.UserID] {
			delete(s.identities, k)
		}
	}
	// Every old value goes before any new one comes, so that a user's
	// new value is never removed as another's old one.
	for _, in := range us {
		if old, ok := s.users[in.User.ID]; ok {
			s.userIndex.remove(old)
		}
	}
	for _, in := range us {
		u := copyUser(in.User)
		s.users[u.ID] = u
		s.userIndex.add(u)
		for _, id := range in.Identities {
			id.UserID = u.ID
			s.identities[identityKey(id.Provider, id.Subject)] = id
		}
	}
	return nil
}

func newUserIndex() *userIndex {
	x := &userIndex{}
	x.init()
	return x
}
