package account

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/retry"
)

// maxPasswordHashLen is the longest password hash an import stores, in
// bytes: the most any store keeps. Django's hashes are ASCII and at most
// 128 characters.
const maxPasswordHashLen = 255

// ImportedUser is a user as Service.ImportUsers stores it: the record, and
// the accounts at Google or Kakao that sign the user in.
type ImportedUser struct {
	// User is stored with its ID, Username, PasswordHash, Staff, Disabled,
	// Nickname, Email, Interests, CreatedAt and UpdatedAt as given; the
	// import sets Version.
	User User
	// Identities replace the user's stored ones. Each has a Provider, a
	// Subject, an Email and a CreatedAt; UserID is set to User.ID.
	Identities []Identity
}

// ImportUsers stores users made elsewhere — a Django shop's, moved over —
// with their ids, times, password hashes and identities. It is an
// operator's tool, run by a data importer the shop starts itself: it takes
// no Actor, and no API exposes it.
//
// Each user is validated as SignUp validates one, except where Django's
// users need more:
//
//   - the username follows Django's rule (its UnicodeUsernameValidator):
//     at most 150 letters and numbers of any script, and @ . + - _. Sign-up
//     takes digits only among numbers, so "Ⅻ" or "²" is a username an
//     import keeps and sign-up refuses;
//   - the password hash is stored as it is — in whatever format Django
//     wrote it, Django's unusable "!…" included, or empty for none — and
//     never parsed here: whether it verifies is sign-in's business. It
//     must be printable text of at most 255 bytes;
//   - the email may be empty, unlike at sign-up: a shop's old users may
//     have none (Django's createsuperuser asks for none, Kakao may share
//     none), and they are not turned away.
//
// Each identity is checked as SignInExternal checks one: a provider of 1
// to 32 lowercase letters, digits, - or _ (package social names its
// providers "google" and "kakao"), a subject of at most 255 bytes, at most
// one identity per provider, and a creation time. A provider's email that
// is not a plausible address is dropped, as SignInExternal drops it.
// Texts are cleaned as sign-up cleans them (trimmed, NFC) and times put in
// UTC at microsecond precision, and the user is stored and compared in
// that form.
//
// An invalid user is skipped with a *commerce.ValidationError naming the
// field (identities as identities[i].provider, and so on); an interest
// that names no problem with an error wrapping commerce.ErrNotFound that
// names interests (commerce.FieldErrors); a username, nickname or email
// that another user holds — a stored one, or an earlier one of the import
// — with a *TakenError naming them; an identity linked to another user
// with an error wrapping ErrIdentityTaken that names identities[i]; and a
// user whose id an earlier one of the import has with an error wrapping
// ErrDuplicateID. A value that a stored user holds is taken even when the
// same import changes that user: the importer resolves such conflicts
// before calling, and these checks are the safety net.
//
// A user equal to the stored one with its id — every field above, the
// identities' included, times at microsecond precision — is unchanged and
// not written, so that an import run twice writes nothing the second
// time. A new user is created at Version 1, a changed one replaces the
// stored one at its Version + 1; a change of the staff flag or of the
// password hash, or a disabling, ends the user's sessions, as SetStaff
// does. A stored user that differs but was changed after the imported
// one (a later UpdatedAt: a password re-hashed at sign-in, a profile
// edited in the shop) is kept as the shop has it (commerce.ImportKept).
// An import stores no user.signed_up event: its users signed up
// elsewhere, long ago, and the consumers of the shop's events (a welcome
// e-mail, say) would take them for new customers.
//
// It returns one result per user, in the order of us, and writes the
// accepted ones in transactions of at most commerce.ImportBatchSize. The
// error is a failure of a store: the results before the failing
// transaction stand, nothing of it was written, and the results from it
// on are zero.
func (s *Service) ImportUsers(ctx context.Context, us []ImportedUser) ([]commerce.ImportResult, error) {
	results := make([]commerce.ImportResult, len(us))
	seen := make(map[uuid.UUID]bool, len(us))
	for start := 0; start < len(us); start += commerce.ImportBatchSize {
		end := min(start+commerce.ImportBatchSize, len(us))
		var (
			batch []ImportedUser
			at    []int // at[j] is the index in us of batch[j]
		)
		for i := start; i < end; i++ {
			rec, err := cleanImportedUser(us[i])
			switch {
			case err != nil:
				results[i] = skipped(err)
				continue
			case seen[rec.User.ID]:
				results[i] = skipped(&importError{field: "id", message: "an earlier user of the import has this id", kind: ErrDuplicateID})
				continue
			}
			seen[rec.User.ID] = true
			batch = append(batch, rec)
			at = append(at, i)
		}
		if len(batch) == 0 {
			continue
		}
		// A run that lost a race — another writer stored one of the users
		// or took one of their values, or a problem they care about went
		// away, since it read — reads again and decides anew.
		out, err := retry.OnConflict(ctx, lostImport, func() ([]commerce.ImportResult, error) {
			return s.importBatch(ctx, batch)
		})
		if err != nil {
			return results, err
		}
		for j, r := range out {
			results[at[j]] = r
		}
	}
	return results, nil
}

// lostImport reports whether a write of an import found the store changed
// since the import read it, past its checks: every such refusal is a
// conflict, or an interest whose problem was deleted.
func lostImport(err error) bool {
	return errors.Is(err, commerce.ErrConflict) || errors.Is(err, ErrUnknownInterest)
}

// importBatch reads what the users of batch refer to and share with
// others, and the users stored under their ids, decides each one's
// outcome and writes the new and changed ones in one write.
func (s *Service) importBatch(ctx context.Context, batch []ImportedUser) ([]commerce.ImportResult, error) {
	ids := make([]uuid.UUID, len(batch))
	var (
		usernames, nicknames, emails []string
		problems                     []uuid.UUID
		keys                         []IdentityKey
	)
	for j, rec := range batch {
		u := rec.User
		ids[j] = u.ID
		usernames, nicknames = append(usernames, u.Username), append(nicknames, u.Nickname)
		if u.Email != "" {
			emails = append(emails, u.Email)
		}
		problems = append(problems, u.Interests...)
		for _, id := range rec.Identities {
			keys = append(keys, IdentityKey{id.Provider, id.Subject})
		}
	}
	slices.SortFunc(problems, compareIDs)
	problems = slices.Compact(problems)

	stored, err := s.users.GetUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	var storedIdentities []Identity
	if len(stored) > 0 {
		storedIDs := make([]uuid.UUID, len(stored))
		for i, u := range stored {
			storedIDs[i] = u.ID
		}
		if storedIdentities, err = s.users.ListIdentitiesOf(ctx, storedIDs); err != nil {
			return nil, err
		}
	}
	holders, err := s.users.FindHolders(ctx, usernames, nicknames, emails)
	if err != nil {
		return nil, err
	}
	var linked []Identity
	if len(keys) > 0 {
		if linked, err = s.users.FindIdentities(ctx, keys); err != nil {
			return nil, err
		}
	}
	var missing []uuid.UUID
	if len(problems) > 0 {
		if missing, err = s.users.MissingProblems(ctx, problems); err != nil {
			return nil, err
		}
	}

	storedByID := make(map[uuid.UUID]User, len(stored))
	for _, u := range stored {
		storedByID[u.ID] = u
	}
	identitiesOf := make(map[uuid.UUID][]Identity)
	for _, id := range storedIdentities {
		identitiesOf[id.UserID] = append(identitiesOf[id.UserID], id)
	}
	linkedTo := make(map[IdentityKey]uuid.UUID, len(linked))
	for _, id := range linked {
		linkedTo[IdentityKey{id.Provider, id.Subject}] = id.UserID
	}
	noProblem := make(map[uuid.UUID]bool, len(missing))
	for _, id := range missing {
		noProblem[id] = true
	}
	// What the users of the batch accepted so far hold, so that a later
	// one holding the same is refused.
	claimed := Holders{map[string]uuid.UUID{}, map[string]uuid.UUID{}, map[string]uuid.UUID{}}
	claimedIdentities := make(map[IdentityKey]uuid.UUID)

	out := make([]commerce.ImportResult, len(batch))
	var (
		write   []ImportedUser
		signOut []uuid.UUID
	)
	for j, rec := range batch {
		u := rec.User
		if err := importConflicts(rec, holders, claimed, linkedTo, claimedIdentities, noProblem); err != nil {
			out[j] = skipped(err)
			continue
		}
		claim(claimed, u)
		for _, id := range rec.Identities {
			claimedIdentities[IdentityKey{id.Provider, id.Subject}] = u.ID
		}
		old, ok := storedByID[u.ID]
		switch {
		case !ok:
			u.Version = 1
			out[j].Outcome = commerce.ImportCreated
		case sameUser(old, u) && sameIdentities(identitiesOf[u.ID], rec.Identities):
			out[j].Outcome = commerce.ImportUnchanged
			continue
		case old.UpdatedAt.After(u.UpdatedAt) || linkedSince(identitiesOf[u.ID], rec.Identities):
			// Changed in the shop since (a password re-hashed at sign-in,
			// a profile edited, a provider linked): the shop's record
			// stays.
			out[j].Outcome = commerce.ImportKept
			continue
		default:
			u.Version = old.Version + 1
			out[j].Outcome = commerce.ImportUpdated
			if u.Staff != old.Staff || u.PasswordHash != old.PasswordHash || u.Disabled && !old.Disabled {
				signOut = append(signOut, u.ID)
			}
		}
		rec.User = u
		write = append(write, rec)
	}
	if len(write) == 0 {
		return out, nil
	}
	// A session carries the staff flag it began with, and outlives a new
	// password or a disabling unless it is ended: the sessions end before
	// the write, so that a session store that does not answer fails the
	// batch before anything is written, and again after it, for a session
	// begun in between.
	if err := s.endSessions(ctx, signOut); err != nil {
		return nil, err
	}
	if err := s.users.ImportUsers(ctx, write); err != nil {
		return nil, err
	}
	_ = s.endSessions(context.WithoutCancel(ctx), signOut)
	return out, nil
}

// importConflicts returns why rec cannot be stored beside the others: an
// interest that names no problem, a unique value or an identity that a
// stored user or an earlier user of the batch holds; or nil.
func importConflicts(rec ImportedUser, holders, claimed Holders, linkedTo, claimedIdentities map[IdentityKey]uuid.UUID, noProblem map[uuid.UUID]bool) error {
	u := rec.User
	for _, p := range u.Interests {
		if noProblem[p] {
			return &importError{field: "interests", message: "no problem has the id " + p.String(), kind: commerce.ErrNotFound}
		}
	}
	var taken []string
	for _, f := range []struct {
		field           string
		value           string
		stored, claimed map[string]uuid.UUID
	}{
		{"username", u.Username, holders.Usernames, claimed.Usernames},
		{"nickname", u.Nickname, holders.Nicknames, claimed.Nicknames},
		{"email", u.Email, holders.Emails, claimed.Emails},
	} {
		k := commerce.Fold(f.value)
		if k == "" {
			continue
		}
		if id, ok := f.stored[k]; ok && id != u.ID {
			taken = append(taken, f.field)
		} else if _, ok := f.claimed[k]; ok {
			taken = append(taken, f.field)
		}
	}
	if len(taken) > 0 {
		return Taken(taken...)
	}
	for i, id := range rec.Identities {
		k := IdentityKey{id.Provider, id.Subject}
		holder, ok := linkedTo[k]
		if !ok || holder == u.ID {
			holder, ok = claimedIdentities[k]
		}
		if ok && holder != u.ID {
			return &importError{
				field:   fmt.Sprintf("identities[%d]", i),
				message: fmt.Sprintf("the %s account %q is linked to another user", id.Provider, id.Subject),
				kind:    ErrIdentityTaken,
			}
		}
	}
	return nil
}

// claim records the unique values of u as held by u.
func claim(h Holders, u User) {
	h.Usernames[commerce.Fold(u.Username)] = u.ID
	h.Nicknames[commerce.Fold(u.Nickname)] = u.ID
	if k := commerce.Fold(u.Email); k != "" {
		h.Emails[k] = u.ID
	}
}

// endSessions ends every session of each user of ids.
func (s *Service) endSessions(ctx context.Context, ids []uuid.UUID) error {
	for _, id := range ids {
		if err := s.sessions.DeleteUserSessions(ctx, id, ""); err != nil {
			return err
		}
	}
	return nil
}

// cleanImportedUser validates a user to import and returns it in the form
// it is stored and compared in, sharing no slice with in.
func cleanImportedUser(in ImportedUser) (ImportedUser, error) {
	var bad commerce.ValidationError
	u := in.User
	u.Version = 0
	if u.ID == uuid.Nil {
		bad.Add("id", "required")
	}
	u.Username = checkDjangoUsername(&bad, u.Username)
	u.Nickname = checkNickname(&bad, u.Nickname)
	u.Email = strings.TrimSpace(u.Email)
	// Optional, unlike at sign-up: a shop's old users may have none
	// (Django's createsuperuser asks for none), and are not turned away.
	checkEmail(&bad, u.Email, false)
	switch {
	case len(u.PasswordHash) > maxPasswordHashLen:
		bad.Add("password_hash", fmt.Sprintf("must be at most %d bytes", maxPasswordHashLen))
	case !utf8.ValidString(u.PasswordHash) || strings.IndexFunc(u.PasswordHash, unicode.IsControl) >= 0:
		bad.Add("password_hash", "must be printable UTF-8")
	}
	u.Interests = interestSet(u.Interests)
	checkInterests(&bad, u.Interests)
	commerce.CheckImportTime(&bad, "created_at", &u.CreatedAt)
	commerce.CheckImportTime(&bad, "updated_at", &u.UpdatedAt)

	identities := make([]Identity, len(in.Identities))
	providers := make(map[string]bool, len(in.Identities))
	for i, id := range in.Identities {
		prefix := fmt.Sprintf("identities[%d].", i)
		id.Provider, id.Subject = strings.TrimSpace(id.Provider), strings.TrimSpace(id.Subject)
		checkIdentityKey(&bad, prefix, id.Provider, id.Subject)
		if providers[id.Provider] {
			bad.Add(prefix+"provider", "a second account of "+id.Provider+": a user has at most one per provider")
		}
		providers[id.Provider] = true
		id.UserID, id.Email = u.ID, plausibleEmail(strings.TrimSpace(id.Email))
		commerce.CheckImportTime(&bad, prefix+"created_at", &id.CreatedAt)
		identities[i] = id
	}
	slices.SortFunc(identities, func(a, b Identity) int { return cmp.Compare(a.Provider, b.Provider) })
	return ImportedUser{User: u, Identities: identities}, bad.Err()
}

// checkDjangoUsername cleans s and checks it as Django checks a username
// (UnicodeUsernameValidator, the pattern ^[\w.@+-]+\Z): letters and
// numbers of any script, and @ . + - _. Python's \w takes every number
// (Unicode's Nd, Nl and No), where checkUsername takes digits (Nd) only.
func checkDjangoUsername(bad *commerce.ValidationError, s string) string {
	s = bad.Text("username", s, commerce.TextRule{Max: maxUsernameLen, Required: true})
	if !bad.Has("username") && strings.IndexFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !strings.ContainsRune("@.+-_", r)
	}) >= 0 {
		bad.Add("username", "may contain only letters, numbers and @ . + - _")
	}
	return s
}

// usablePassword reports whether hash can let anyone sign in: it is not
// empty, and not Django's mark of an unusable password ("!" and random
// characters), which no password matches.
func usablePassword(hash string) bool { return hash != "" && !strings.HasPrefix(hash, unusablePrefix) }

// sameUser reports whether the stored user a equals the imported b in
// every field an import sets.
func sameUser(a, b User) bool {
	return a.ID == b.ID && a.Username == b.Username && a.PasswordHash == b.PasswordHash &&
		a.Staff == b.Staff && a.Disabled == b.Disabled && a.Nickname == b.Nickname && a.Email == b.Email &&
		slices.Equal(a.Interests, b.Interests) && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

// sameIdentities reports whether two sets of identities of a user, each
// ordered by provider, are equal.
func sameIdentities(a, b []Identity) bool {
	return slices.EqualFunc(a, b, func(x, y Identity) bool {
		return x.Provider == y.Provider && x.Subject == y.Subject && x.UserID == y.UserID &&
			x.Email == y.Email && x.CreatedAt.Equal(y.CreatedAt)
	})
}

func compareIDs(a, b uuid.UUID) int { return strings.Compare(string(a[:]), string(b[:])) }

// importError is why an import skipped a user, other than a validation
// error or a taken value: a reference to a missing record (kind wraps
// commerce.ErrNotFound), an identity linked to another user or an id
// given twice (commerce.ErrConflict). It names the field, as
// commerce.FieldErrors reports.
type importError struct {
	field, message string
	kind           error
}

func (e *importError) Error() string { return "account: import: " + e.field + ": " + e.message }

// Unwrap returns the error's kind, for errors.Is.
func (e *importError) Unwrap() error { return e.kind }

// FieldErrors names the field, as a *commerce.ValidationError does.
func (e *importError) FieldErrors() map[string]string {
	return map[string]string{e.field: e.message}
}

func skipped(err error) commerce.ImportResult {
	return commerce.ImportResult{Outcome: commerce.ImportSkipped, Err: err}
}

// linkedSince reports whether the stored identities hold one the imported
// ones lack: a provider the user linked in the shop, which an import must
// not take away.
func linkedSince(stored, imported []Identity) bool {
	for _, st := range stored {
		if !slices.ContainsFunc(imported, func(im Identity) bool {
			return im.Provider == st.Provider && im.Subject == st.Subject
		}) {
			return true
		}
	}
	return false
}
