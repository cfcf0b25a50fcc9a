package djangoimport

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

// maxUsernameLen is the longest username Django allowed, which the
// engine's import takes.
const maxUsernameLen = 150

// names are a user's names after the conflicts between users are
// resolved.
type names struct {
	username, nickname, email string
}

// resolveNames reads every user's names and settles those the engine
// would take for another's: usernames, nicknames and e-mail addresses are
// compared folded (commerce.Fold: case and Unicode form ignored), where
// MySQL's collation let look-alikes stand. The user with the lowest id
// keeps a name; a later username or nickname gets "-" and the Django id
// added, a later e-mail address is dropped. Each change is a conflict in
// the report.
func (im *importer) resolveNames(ctx context.Context) (map[int64]names, error) {
	out := map[int64]names{}
	taken := map[string]map[string]bool{"username": {}, "nickname": {}, "email": {}}
	claim := func(field, v string) bool {
		k := commerce.Fold(v)
		if taken[field][k] {
			return false
		}
		taken[field][k] = true
		return true
	}
	var users []djangoUser
	err := pages(ctx, im.src, usersQuery, 5000, scanUser, func(rows []djangoUser) error {
		users = append(users, rows...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Every name as it is first, so that a suffixed name never takes a
	// name a later user holds as it is.
	nicknames := make(map[int64]string, len(users))
	for _, u := range users {
		claim("username", u.Username)
		nickname := strings.TrimSpace(u.Nickname.String)
		if nickname == "" {
			nickname = u.Username
		}
		if r := []rune(nickname); len(r) > account.MaxNicknameLen {
			short := strings.TrimSpace(string(r[:account.MaxNicknameLen]))
			im.report.conflict(Conflict{Kind: KindUsers, Source: sourceOf("auth_user", u.ID), Field: "nickname", Was: nickname, Now: short,
				Reason: fmt.Sprintf("a nickname has at most %d characters", account.MaxNicknameLen)})
			nickname = short
		}
		nicknames[u.ID] = nickname
		claim("nickname", nickname)
	}
	seen := map[string]bool{}
	seenNickname := map[string]bool{}
	for _, u := range users {
		src := sourceOf("auth_user", u.ID)
		n := names{username: u.Username}
		if k := commerce.Fold(u.Username); seen[k] {
			n.username = unique(u.Username, u.ID, maxUsernameLen, func(v string) bool { return claim("username", v) })
			im.report.conflict(Conflict{Kind: KindUsers, Source: src, Field: "username", Was: u.Username, Now: n.username,
				Reason: "another user's username differs from it only in case or Unicode form"})
		} else {
			seen[k] = true
		}
		nickname := nicknames[u.ID]
		n.nickname = nickname
		if k := commerce.Fold(nickname); seenNickname[k] {
			n.nickname = unique(nickname, u.ID, account.MaxNicknameLen, func(v string) bool { return claim("nickname", v) })
			im.report.conflict(Conflict{Kind: KindUsers, Source: src, Field: "nickname", Was: nickname, Now: n.nickname,
				Reason: "another user has this nickname (compared without case)"})
		} else {
			seenNickname[k] = true
		}
		email := strings.TrimSpace(u.CustEmail.String)
		if email == "" {
			email = strings.TrimSpace(u.Email)
		}
		if email != "" && !claim("email", email) {
			im.report.conflict(Conflict{Kind: KindUsers, Source: src, Field: "email", Was: email, Now: "",
				Reason: "another user has this address (compared without case)"})
			email = ""
		}
		n.email = email
		out[u.ID] = n
	}
	return out, nil
}

// unique returns v with "-" and id added, then "-2", "-3", … until free
// says the result is free, v shortened so that the result has at most
// limit characters.
func unique(v string, id int64, limit int, free func(string) bool) string {
	with := func(suffix string) string {
		r := []rune(v)
		if n := limit - utf8.RuneCountInString(suffix); len(r) > n {
			r = r[:max(n, 0)]
		}
		return string(r) + suffix
	}
	base := "-" + strconv.FormatInt(id, 10)
	if s := with(base); free(s) {
		return s
	}
	for i := 2; ; i++ {
		if s := with(base + "-" + strconv.Itoa(i)); free(s) {
			return s
		}
	}
}

func (im *importer) importUsers(ctx context.Context) error {
	resolved, err := im.resolveNames(ctx)
	if err != nil {
		return err
	}
	total := len(resolved)
	done := 0
	return pages(ctx, im.src, usersQuery, commerce.ImportBatchSize, scanUser, func(rows []djangoUser) error {
		socials, err := im.socialAccounts(ctx, rows)
		if err != nil {
			return err
		}
		batch := make([]account.ImportedUser, 0, len(rows))
		sources := make([]string, 0, len(rows))
		for _, r := range rows {
			im.report.Counts[KindUsers].Read++
			batch = append(batch, im.user(r, resolved[r.ID], socials[r.ID]))
			sources = append(sources, sourceOf("auth_user", r.ID))
		}
		results, err := im.Accounts.ImportUsers(ctx, batch)
		if err != nil {
			return err
		}
		// A user refused only for an e-mail address the engine cannot
		// take (malformed, or another user's in the shop already) comes
		// across without it.
		var again []int
		for i, res := range results {
			if res.Outcome == commerce.ImportSkipped && batch[i].User.Email != "" && emailRefused(res.Err) {
				im.report.conflict(Conflict{Kind: KindUsers, Source: sources[i], Field: "email", Was: batch[i].User.Email,
					Now: "", Reason: res.Err.Error()})
				batch[i].User.Email = ""
				again = append(again, i)
			}
		}
		if len(again) > 0 {
			retry := make([]account.ImportedUser, len(again))
			for j, i := range again {
				retry[j] = batch[i]
			}
			more, err := im.Accounts.ImportUsers(ctx, retry)
			if err != nil {
				return err
			}
			for j, i := range again {
				results[i] = more[j]
			}
		}
		for i, ok := range im.written(KindUsers, sources, results) {
			if ok {
				im.users[rows[i].ID] = batch[i].User.ID
				if rows[i].CustomerID.Valid {
					im.customers[rows[i].CustomerID.Int64] = batch[i].User.ID
				}
				c, n := im.report.Counts[KindIdentities], len(batch[i].Identities)
				c.Read += n
				switch results[i].Outcome {
				case commerce.ImportCreated:
					c.Created += n
				case commerce.ImportUpdated:
					c.Updated += n
				case commerce.ImportKept:
					c.Kept += n
				default:
					c.Unchanged += n
				}
			}
		}
		done += len(rows)
		im.progress(KindUsers, done, total)
		return nil
	})
}

// emailRefused reports whether err refuses a user for its e-mail address
// alone.
func emailRefused(err error) bool {
	fields := commerce.FieldErrors(err)
	_, ok := fields["email"]
	return ok && len(fields) == 1
}

// user is the engine's user for the Django user r.
func (im *importer) user(r djangoUser, n names, socials []djangoSocial) account.ImportedUser {
	joined := r.DateJoined.UTC().Truncate(time.Microsecond)
	hash := r.Password
	if strings.HasPrefix(hash, "!") {
		hash = "" // Django's unusable password: no password sign-in
	}
	u := account.User{
		ID: commerce.ImportedID(joined, sourceOf("auth_user", r.ID)), Username: n.username, PasswordHash: hash,
		Staff: r.IsStaff || r.IsSuperuser, Disabled: !r.IsActive, Nickname: n.nickname, Email: n.email,
		CreatedAt: joined, UpdatedAt: joined,
	}
	if word := strings.ToLower(strings.TrimSpace(r.Problem.String)); word != "" {
		if id, ok := im.problemBy[im.ProblemWords[word]]; ok {
			u.Interests = []uuid.UUID{id}
		} else {
			im.report.conflict(Conflict{Kind: KindUsers, Source: sourceOf("auth_user", r.ID), Field: "problem", Was: word, Now: "",
				Reason: "no imported problem is named for this word (Options.ProblemWords)"})
		}
	}
	out := account.ImportedUser{User: u}
	// allauth let a user link two accounts of one provider; the engine
	// keeps one per provider: the last linked.
	last := map[string]djangoSocial{}
	for _, a := range socials {
		if prev, ok := last[a.Provider]; ok {
			im.report.conflict(Conflict{Kind: KindIdentities, Source: sourceOf("socialaccount_socialaccount", prev.ID), Field: "uid",
				Was: prev.UID, Now: "", Reason: fmt.Sprintf("the user has a later %s account (%s); the engine keeps one per provider", a.Provider, a.UID)})
		}
		last[a.Provider] = a
	}
	for _, a := range socials {
		if last[a.Provider].ID != a.ID {
			continue
		}
		out.Identities = append(out.Identities, account.Identity{
			Provider: a.Provider, Subject: a.UID, UserID: u.ID, Email: extraEmail(a.Provider, a.ExtraData),
			CreatedAt: a.DateJoined.UTC().Truncate(time.Microsecond),
		})
	}
	return out
}

// socialAccounts returns the allauth accounts of the users of rows, by
// user id.
func (im *importer) socialAccounts(ctx context.Context, rows []djangoUser) (map[int64][]djangoSocial, error) {
	ids := make([]any, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	q := "SELECT " + socialColumns + " FROM socialaccount_socialaccount WHERE user_id IN (" +
		placeholders(len(ids)) + ") ORDER BY id"
	res, err := im.From.QueryContext(ctx, q, ids...)
	if err != nil {
		return nil, fmt.Errorf("reading socialaccount_socialaccount: %w", err)
	}
	defer res.Close()
	out := map[int64][]djangoSocial{}
	for res.Next() {
		a, _, err := scanSocial(res)
		if err != nil {
			return nil, err
		}
		out[a.UserID] = append(out[a.UserID], a)
	}
	return out, res.Err()
}

// placeholders returns n question marks separated by commas.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// inIDs returns the ids of rows as arguments of an IN list.
func inIDs[R any](rows []R, id func(R) int64) []any {
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}
