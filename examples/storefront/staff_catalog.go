package storefront

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

// The catalog's staff pages: problems, brands and products, each a list,
// a form to add one, a form to edit one and a delete with a confirmation
// step. The catalog service decides every change (staff only); the forms
// upload images to the media store first (staff_upload.go).

// catalogPageSize is the number of rows a page of the brands' and products'
// lists shows.
const catalogPageSize = 20

// staffNotice is the notice a staff list shows after a change, from its
// ?done=: fixed sentences about object ("상품을"), so that a link cannot
// make the page say anything else.
func staffNotice(r *http.Request, object string) string {
	switch r.URL.Query().Get("done") {
	case "created":
		return object + " 등록했습니다."
	case "updated":
		return object + " 저장했습니다."
	case "deleted":
		return object + " 삭제했습니다."
	}
	return ""
}

// listProblem explains an invalid list address — a search too long, a
// cursor mangled by hand — as the home page's search does.
func listProblem(err error) string {
	if q := commerce.FieldErrors(err)["q"]; q != "" {
		return "검색어는 " + translate(q)
	}
	return "다음 페이지 주소가 올바르지 않습니다. 처음부터 다시 보세요."
}

// ---- the forms ----

// staffFormView is the form that adds or edits a problem, a brand or a
// product (Section says which).
type staffFormView struct {
	Section staffSection
	// ID is the record edited, or uuid.Nil for a new one.
	ID   uuid.UUID
	Form form
	// Media is true when files may be uploaded; without a media store the
	// forms take URLs only.
	Media  bool
	Thumbs thumbnails
	// Conflict lists what the staff member had typed in the fields that
	// someone else changed meanwhile; the form shows the current values.
	Conflict []typedField
	// Problems are the choices of a brand's problem.
	Problems []catalog.Problem
	// Brands are the choices of a product's brand.
	Brands []catalog.Brand
}

// staffForms are the sections' words and templates.
var staffForms = map[staffSection]struct{ noun, id, template string }{
	"problems": {"사회문제", "problem", "staff_problem_form"},
	"brands":   {"브랜드", "brand", "staff_brand_form"},
	"products": {"상품", "product", "staff_product_form"},
}

func (v staffFormView) PageTitle() string {
	if v.Editing() {
		return staffForms[v.Section].noun + " 수정"
	}
	return staffForms[v.Section].noun + " 등록"
}

// Editing reports whether the form edits a record rather than adds one.
func (v staffFormView) Editing() bool { return v.ID != uuid.Nil }

// List is the address of the section's list.
func (v staffFormView) List() string { return "/staff/" + string(v.Section) }

// Action is where the form posts.
func (v staffFormView) Action() string {
	if v.Editing() {
		return v.List() + "/" + v.ID.String() + "/edit"
	}
	return v.List() + "/new"
}

// imageField is an image of a form that holds one: the current image, a
// box to delete it, a file to upload and a URL to type.
type imageField struct {
	Name, Label, ID string
	URL, Thumb      string
	Delete          bool
	Media           bool
	FileError       string
	URLError        string
}

// ImageField returns the image field name ("image", "logo") of the form,
// labelled label.
func (v staffFormView) ImageField(name, label string) imageField {
	u := v.Form.Value(name + "_url")
	return imageField{
		Name: name, Label: label, ID: staffForms[v.Section].id + "-" + name,
		URL: u, Thumb: v.Thumbs.Of(u), Delete: v.Form.Has(name+"_delete", "true"), Media: v.Media,
		FileError: v.Form.Error(name + "_file"), URLError: v.Form.Error(name + "_url"),
	}
}

// formImage is one of a product's photos in its form, in order.
type formImage struct {
	Index   int
	URL     string
	Thumb   string
	Removed bool
	Last    bool
}

// Number is the photo's place, counting from 1.
func (i formImage) Number() int { return i.Index + 1 }

// Images are the photos of a product's form, in order, the cover first.
func (v staffFormView) Images() []formImage {
	items := formImages(v.Form)
	out := make([]formImage, len(items))
	for i, it := range items {
		out[i] = formImage{Index: i, URL: it.url, Thumb: v.Thumbs.Of(it.url), Removed: it.removed, Last: i == len(items)-1}
	}
	return out
}

// typedField is what a staff member typed in a field that someone else
// changed meanwhile.
type typedField struct {
	Label string
	Value string
	// Images are the photos typed, for an image field.
	Images []formImage
}

// staffFormPage shows the form of v.
func (s *Storefront) staffFormPage(w http.ResponseWriter, r *http.Request, status int, v staffFormView) {
	v.Media, v.Thumbs = s.media != nil, thumbnails{s.media}
	if v.Form.Values == nil {
		v.Form.Values = url.Values{}
	}
	var err error
	switch v.Section {
	case "brands":
		if v.Problems == nil {
			v.Problems, err = s.cat.Problems(r.Context())
		}
	case "products":
		if v.Brands == nil {
			v.Brands, err = s.brandChoices(r.Context(), v.Form.Value("brand_id"))
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, staffForms[v.Section].template, v)
}

// staffFormFailed shows err from the catalog after a staff form: a visitor,
// someone not allowed or a record that is gone get their error page; what
// is wrong with the fields shows on the form again, with the form's own
// errors l.
func (s *Storefront) staffFormFailed(w http.ResponseWriter, r *http.Request, v staffFormView, l *localErrors, err error) {
	if errors.Is(err, commerce.ErrUnauthenticated) || errors.Is(err, commerce.ErrForbidden) || errors.Is(err, commerce.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	status := s.failed(w, r, &v.Form, err)
	if status == 0 {
		return
	}
	l.show(&v.Form)
	s.staffFormPage(w, r, status, v)
}

// conflictMessage heads a form shown again after someone else's edit.
const conflictMessage = "그 사이에 다른 사람이 고쳤습니다. 양식에는 지금 저장된 내용을 다시 채웠습니다. 입력하셨던 내용은 아래에 있으니 확인한 뒤 다시 저장해 주세요."

// staffConflict shows the form again with the record's current values
// (v.Form) and what was typed for the fields that differ (v.Conflict),
// 409. The files refused still say so; other errors of l were about values
// the form no longer holds.
func (s *Storefront) staffConflict(w http.ResponseWriter, r *http.Request, v staffFormView, l *localErrors) {
	v.Form.Message = conflictMessage
	for field, msg := range l.msgs {
		if strings.HasSuffix(field, "_file") || field == "photos" {
			if v.Form.Errors == nil {
				v.Form.Errors = make(map[string]string)
			}
			v.Form.Errors[field] = msg
		}
	}
	s.staffFormPage(w, r, http.StatusConflict, v)
}

// differs adds to out what was typed for label when it is not what is
// stored.
func differs(out *[]typedField, label, typed, stored string) {
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	if norm(typed) == norm(stored) {
		return
	}
	if strings.TrimSpace(typed) == "" {
		typed = "(비어 있음)"
	}
	*out = append(*out, typedField{Label: label, Value: typed})
}

// imagesDiffer adds to out the images typed for label when they are not
// those stored.
func imagesDiffer(out *[]typedField, t thumbnails, label string, typed, stored []string) {
	if slices.Equal(typed, stored) {
		return
	}
	f := typedField{Label: label, Value: "(없음)"}
	for i, u := range typed {
		f.Images = append(f.Images, formImage{Index: i, URL: u, Thumb: t.Of(u)})
	}
	if len(typed) > 0 {
		f.Value = ""
	}
	*out = append(*out, f)
}

// oneImage is an image field's value as a list, for imagesDiffer.
func oneImage(u string) []string {
	if u == "" || u == refusedFile {
		return nil
	}
	return []string{u}
}

// formVersion is the version the form was read at: 0 (none, from a form
// without one) applies the edit to the current version; a mangled one
// never matches.
func formVersion(f form) int64 {
	v := strings.TrimSpace(f.Value("version"))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return -1
	}
	return n
}

// localID parses the form field name as an id: "" is uuid.Nil, and a
// malformed one (only a form made by hand sends one) is an error that
// poisons the catalog field poisons.
func localID(l *localErrors, f form, name, poisons string) uuid.UUID {
	v := strings.TrimSpace(f.Value(name))
	if v == "" {
		return uuid.Nil
	}
	id, err := commerce.ParseID(v)
	if err != nil {
		l.add(name, "목록에서 골라 주세요.", poisons)
		return uuid.Nil
	}
	return id
}

// staffDelete reads a delete form: confirmed when its confirm is "yes"
// (the confirmation's button); else the list asks first.
func (s *Storefront) staffDelete(w http.ResponseWriter, r *http.Request) (id uuid.UUID, confirmed, ok bool) {
	id, ok = pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return id, false, false
	}
	f, ok := s.postedForm(w, r)
	return id, f.Value("confirm") == "yes", ok
}

// ---- problems ----

// staffProblemsView lists every problem.
type staffProblemsView struct {
	Section staffSection
	Query   string
	Rows    []staffProblemRow
	// Counted is false when the shop has too many brands to count them
	// per problem on this page.
	Counted bool
	Notice  string
	// Alert says why a change was refused.
	Alert string
	// Confirm is the problem whose deletion is to be confirmed.
	Confirm *catalog.Problem
	Thumbs  thumbnails
}

type staffProblemRow struct {
	Problem catalog.Problem
	Brands  int
}

func (staffProblemsView) PageTitle() string { return "사회문제 관리" }

// StaffProblems serves GET /staff/problems: every problem with its image
// and number of brands; ?query= keeps those whose name holds every word
// of it, by the catalog's search rule.
func (s *Storefront) StaffProblems(w http.ResponseWriter, r *http.Request) {
	s.staffProblemsPage(w, r, http.StatusOK, staffProblemsView{Notice: staffNotice(r, "사회문제를")})
}

func (s *Storefront) staffProblemsPage(w http.ResponseWriter, r *http.Request, status int, v staffProblemsView) {
	v.Section, v.Thumbs = "problems", thumbnails{s.media}
	v.Query = strings.TrimSpace(r.URL.Query().Get("query"))
	problems, err := s.cat.Problems(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, counted, err := s.brandCounts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Counted = counted
	// The catalog's search rule, as for brands and products: every word
	// of the query in the name.
	search, err := catalog.ParseSearch(v.Query, false)
	if err != nil {
		v.Alert, status = listProblem(err), http.StatusBadRequest
		s.render(w, r, status, "staff_problems", v)
		return
	}
	for _, p := range problems {
		if search.Matches(catalog.SearchKey(p.Name)) {
			v.Rows = append(v.Rows, staffProblemRow{Problem: p, Brands: counts[p.ID]})
		}
	}
	s.render(w, r, status, "staff_problems", v)
}

// brandCounts counts the brands of each problem, reading at most
// maxListedBrands brands; counted is false when there are more.
func (s *Storefront) brandCounts(ctx context.Context) (counts map[uuid.UUID]int, counted bool, err error) {
	counts = make(map[uuid.UUID]int)
	cursor := ""
	for read := 0; read < maxListedBrands; {
		page, err := s.cat.Brands(ctx, catalog.BrandFilter{Limit: commerce.MaxLimit, Cursor: cursor})
		if err != nil {
			return nil, false, err
		}
		for _, b := range page.Items {
			counts[b.Problem.ID]++
		}
		read += len(page.Items)
		if cursor = page.NextCursor; cursor == "" {
			return counts, true, nil
		}
	}
	return counts, false, nil
}

func problemValues(p catalog.Problem) url.Values {
	return url.Values{
		"name": {p.Name}, "summary": {p.Summary}, "description": {p.Description},
		"image_url": {p.ImageURL}, "version": {strconv.FormatInt(p.Version, 10)},
	}
}

// StaffNewProblem serves GET /staff/problems/new.
func (s *Storefront) StaffNewProblem(w http.ResponseWriter, r *http.Request) {
	s.staffFormPage(w, r, http.StatusOK, staffFormView{Section: "problems"})
}

// StaffCreateProblem serves POST /staff/problems/new: the image uploaded,
// then the problem added.
func (s *Storefront) StaffCreateProblem(w http.ResponseWriter, r *http.Request) {
	f, files, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	defer removeUploads(r)
	var l localErrors
	image, err := s.singleImage(r.Context(), &f, files, "image", &l)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, err = s.cat.CreateProblem(r.Context(), actor(r), catalog.ProblemInput{
		Name: f.Value("name"), Summary: f.Value("summary"), Description: f.Value("description"), ImageURL: image,
	})
	if err != nil {
		s.staffFormFailed(w, r, staffFormView{Section: "problems", Form: f}, &l, err)
		return
	}
	redirect(w, r, "/staff/problems?done=created")
}

// StaffEditProblem serves GET /staff/problems/{id}/edit.
func (s *Storefront) StaffEditProblem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	p, err := s.cat.Problem(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.staffFormPage(w, r, http.StatusOK, staffFormView{Section: "problems", ID: id, Form: form{Values: problemValues(p.Problem)}})
}

// StaffUpdateProblem serves POST /staff/problems/{id}/edit, at the version
// the form was read at.
func (s *Storefront) StaffUpdateProblem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, files, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	defer removeUploads(r)
	var l localErrors
	image, err := s.singleImage(r.Context(), &f, files, "image", &l)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, err = s.cat.UpdateProblem(r.Context(), actor(r), id, catalog.ProblemPatch{
		Name: commerce.Some(f.Value("name")), Summary: commerce.Some(f.Value("summary")),
		Description: commerce.Some(f.Value("description")), ImageURL: commerce.Some(image),
		Version: formVersion(f),
	})
	switch {
	case errors.Is(err, catalog.ErrVersionConflict):
		cur, err := s.cat.Problem(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p := cur.Problem
		v := staffFormView{Section: "problems", ID: id, Form: form{Values: problemValues(p)}, Thumbs: thumbnails{s.media}}
		differs(&v.Conflict, "이름", f.Value("name"), p.Name)
		differs(&v.Conflict, "요약", f.Value("summary"), p.Summary)
		differs(&v.Conflict, "설명", f.Value("description"), p.Description)
		imagesDiffer(&v.Conflict, v.Thumbs, "이미지", oneImage(image), oneImage(p.ImageURL))
		s.staffConflict(w, r, v, &l)
		return
	case err != nil:
		s.staffFormFailed(w, r, staffFormView{Section: "problems", ID: id, Form: f}, &l, err)
		return
	}
	redirect(w, r, "/staff/problems?done=updated")
}

// StaffDeleteProblem serves POST /staff/problems/{id}/delete: without
// confirm=yes, the list asks to confirm; a problem that brands work on
// stays, and the list names them.
func (s *Storefront) StaffDeleteProblem(w http.ResponseWriter, r *http.Request) {
	id, confirmed, ok := s.staffDelete(w, r)
	if !ok {
		return
	}
	if !confirmed {
		p, err := s.cat.Problem(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.staffProblemsPage(w, r, http.StatusOK, staffProblemsView{Confirm: &p.Problem})
		return
	}
	err := s.cat.DeleteProblem(r.Context(), actor(r), id)
	if errors.Is(err, catalog.ErrProblemInUse) {
		page, err := s.cat.Brands(r.Context(), catalog.BrandFilter{ProblemID: id, Limit: 10})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		names := make([]string, 0, len(page.Items))
		for _, b := range page.Items {
			names = append(names, b.Name)
		}
		alert := "이 사회문제를 다루는 브랜드가 있어 삭제할 수 없습니다: " + strings.Join(names, ", ")
		if page.NextCursor != "" {
			alert += " 외"
		}
		s.staffProblemsPage(w, r, http.StatusConflict, staffProblemsView{Alert: alert})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/staff/problems?done=deleted")
}

// ---- brands ----

// staffBrandsView is a page of brands, newest first.
type staffBrandsView struct {
	Section staffSection
	Query   string
	Brands  []catalog.Brand
	Next    string
	First   bool
	Notice  string
	Alert   string
	Confirm *catalog.Brand
	Thumbs  thumbnails
}

func (staffBrandsView) PageTitle() string { return "브랜드 관리" }

// StaffBrands serves GET /staff/brands: brands, newest first,
// catalogPageSize a page (?cursor=); ?query= keeps those whose name
// contains it.
func (s *Storefront) StaffBrands(w http.ResponseWriter, r *http.Request) {
	s.staffBrandsPage(w, r, http.StatusOK, staffBrandsView{Notice: staffNotice(r, "브랜드를")})
}

func (s *Storefront) staffBrandsPage(w http.ResponseWriter, r *http.Request, status int, v staffBrandsView) {
	q := r.URL.Query()
	v.Section, v.Thumbs = "brands", thumbnails{s.media}
	v.Query, v.First = strings.TrimSpace(q.Get("query")), q.Get("cursor") == ""
	page, err := s.cat.Brands(r.Context(), catalog.BrandFilter{Query: v.Query, Limit: catalogPageSize, Cursor: q.Get("cursor")})
	switch {
	case errors.Is(err, commerce.ErrInvalid):
		v.Alert, status = listProblem(err), http.StatusBadRequest
	case err != nil:
		s.fail(w, r, err)
		return
	}
	v.Brands, v.Next = page.Items, page.NextCursor
	s.render(w, r, status, "staff_brands", v)
}

func brandValues(b catalog.Brand) url.Values {
	return url.Values{
		"name": {b.Name}, "summary": {b.Summary}, "story": {b.Story}, "homepage": {b.Homepage},
		"problem_id": {b.Problem.ID.String()}, "logo_url": {b.LogoURL}, "image_url": {b.ImageURL},
		"version": {strconv.FormatInt(b.Version, 10)},
	}
}

// brandForm uploads a brand form's logo and image and reads its problem.
func (s *Storefront) brandForm(ctx context.Context, f *form, files map[string][]*multipart.FileHeader, l *localErrors) (in catalog.BrandInput, err error) {
	if in.LogoURL, err = s.singleImage(ctx, f, files, "logo", l); err != nil {
		return in, err
	}
	if in.ImageURL, err = s.singleImage(ctx, f, files, "image", l); err != nil {
		return in, err
	}
	in.Name, in.Summary, in.Story, in.Homepage = f.Value("name"), f.Value("summary"), f.Value("story"), f.Value("homepage")
	// uuid.Nil, which the catalog refuses: a poison.
	in.ProblemID = localID(l, *f, "problem_id", "problem_id")
	return in, nil
}

// StaffNewBrand serves GET /staff/brands/new.
func (s *Storefront) StaffNewBrand(w http.ResponseWriter, r *http.Request) {
	s.staffFormPage(w, r, http.StatusOK, staffFormView{Section: "brands"})
}

// StaffCreateBrand serves POST /staff/brands/new: the logo and image
// uploaded, then the brand added.
func (s *Storefront) StaffCreateBrand(w http.ResponseWriter, r *http.Request) {
	f, files, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	defer removeUploads(r)
	var l localErrors
	in, err := s.brandForm(r.Context(), &f, files, &l)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.cat.CreateBrand(r.Context(), actor(r), in); err != nil {
		s.staffFormFailed(w, r, staffFormView{Section: "brands", Form: f}, &l, err)
		return
	}
	redirect(w, r, "/staff/brands?done=created")
}

// StaffEditBrand serves GET /staff/brands/{id}/edit.
func (s *Storefront) StaffEditBrand(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	b, err := s.cat.Brand(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.staffFormPage(w, r, http.StatusOK, staffFormView{Section: "brands", ID: id, Form: form{Values: brandValues(b.Brand)}})
}

// StaffUpdateBrand serves POST /staff/brands/{id}/edit, at the version the
// form was read at.
func (s *Storefront) StaffUpdateBrand(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, files, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	defer removeUploads(r)
	var l localErrors
	in, err := s.brandForm(r.Context(), &f, files, &l)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, err = s.cat.UpdateBrand(r.Context(), actor(r), id, catalog.BrandPatch{
		Name: commerce.Some(in.Name), Summary: commerce.Some(in.Summary), Story: commerce.Some(in.Story),
		LogoURL: commerce.Some(in.LogoURL), ImageURL: commerce.Some(in.ImageURL), Homepage: commerce.Some(in.Homepage),
		ProblemID: commerce.Some(in.ProblemID), Version: formVersion(f),
	})
	switch {
	case errors.Is(err, catalog.ErrVersionConflict):
		cur, err := s.cat.Brand(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		problems, err := s.cat.Problems(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		b := cur.Brand
		v := staffFormView{Section: "brands", ID: id, Form: form{Values: brandValues(b)}, Thumbs: thumbnails{s.media}, Problems: problems}
		differs(&v.Conflict, "이름", f.Value("name"), b.Name)
		differs(&v.Conflict, "요약", f.Value("summary"), b.Summary)
		differs(&v.Conflict, "이야기", f.Value("story"), b.Story)
		differs(&v.Conflict, "홈페이지", f.Value("homepage"), b.Homepage)
		if in.ProblemID != b.Problem.ID {
			name := "(없음)"
			for _, p := range problems {
				if p.ID == in.ProblemID {
					name = p.Name
				}
			}
			v.Conflict = append(v.Conflict, typedField{Label: "사회문제", Value: name})
		}
		imagesDiffer(&v.Conflict, v.Thumbs, "로고", oneImage(in.LogoURL), oneImage(b.LogoURL))
		imagesDiffer(&v.Conflict, v.Thumbs, "이미지", oneImage(in.ImageURL), oneImage(b.ImageURL))
		s.staffConflict(w, r, v, &l)
		return
	case err != nil:
		s.staffFormFailed(w, r, staffFormView{Section: "brands", ID: id, Form: f}, &l, err)
		return
	}
	redirect(w, r, "/staff/brands?done=updated")
}

// StaffDeleteBrand serves POST /staff/brands/{id}/delete: without
// confirm=yes, the list asks to confirm, saying that the brand's products
// stay, without a brand.
func (s *Storefront) StaffDeleteBrand(w http.ResponseWriter, r *http.Request) {
	id, confirmed, ok := s.staffDelete(w, r)
	if !ok {
		return
	}
	if !confirmed {
		b, err := s.cat.Brand(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.staffBrandsPage(w, r, http.StatusOK, staffBrandsView{Confirm: &b.Brand})
		return
	}
	if err := s.cat.DeleteBrand(r.Context(), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/staff/brands?done=deleted")
}

// ---- products ----

// staffProductsView is a page of products, newest first.
type staffProductsView struct {
	Section  staffSection
	Query    string
	Products []catalog.Product
	Next     string
	First    bool
	Notice   string
	Alert    string
	Confirm  *catalog.Product
	Thumbs   thumbnails
}

func (staffProductsView) PageTitle() string { return "상품 관리" }

// StaffProducts serves GET /staff/products: products, newest first,
// catalogPageSize a page (?cursor=); ?query= keeps those whose name or
// brand's name contains it.
func (s *Storefront) StaffProducts(w http.ResponseWriter, r *http.Request) {
	s.staffProductsPage(w, r, http.StatusOK, staffProductsView{Notice: staffNotice(r, "상품을")})
}

func (s *Storefront) staffProductsPage(w http.ResponseWriter, r *http.Request, status int, v staffProductsView) {
	q := r.URL.Query()
	v.Section, v.Thumbs = "products", thumbnails{s.media}
	v.Query, v.First = strings.TrimSpace(q.Get("query")), q.Get("cursor") == ""
	page, err := s.cat.Products(r.Context(), catalog.ProductFilter{Query: v.Query, Limit: catalogPageSize, Cursor: q.Get("cursor")})
	switch {
	case errors.Is(err, commerce.ErrInvalid):
		v.Alert, status = listProblem(err), http.StatusBadRequest
	case err != nil:
		s.fail(w, r, err)
		return
	}
	v.Products, v.Next = page.Items, page.NextCursor
	s.render(w, r, status, "staff_products", v)
}

// brandChoices are the brands a product's form offers, by name: at most
// maxListedBrands, and the chosen one (the id chosen) whatever their
// number, so that saving a form never drops a product's brand.
func (s *Storefront) brandChoices(ctx context.Context, chosen string) ([]catalog.Brand, error) {
	out := []catalog.Brand{}
	cursor := ""
	for len(out) < maxListedBrands {
		page, err := s.cat.Brands(ctx, catalog.BrandFilter{Limit: commerce.MaxLimit, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if id, err := commerce.ParseID(chosen); err == nil &&
		!slices.ContainsFunc(out, func(b catalog.Brand) bool { return b.ID == id }) {
		b, err := s.cat.Brand(ctx, id)
		switch {
		case err == nil:
			out = append(out, b.Brand)
		case !errors.Is(err, commerce.ErrNotFound):
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b catalog.Brand) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func productValues(p catalog.Product) url.Values {
	v := url.Values{
		"name": {p.Name}, "description": {p.Description}, "price": {p.Price.AmountString()},
		"images": slices.Clone(p.Images), "version": {strconv.FormatInt(p.Version, 10)},
	}
	if p.Brand != nil {
		v.Set("brand_id", p.Brand.ID.String())
	}
	if p.Stock == nil {
		v.Set("stock_untracked", "true")
	} else {
		v.Set("stock", strconv.Itoa(*p.Stock))
	}
	return v
}

// imageItem is a photo of a product's form: its URL, and whether its 삭제
// box is checked.
type imageItem struct {
	url     string
	removed bool
}

// formImages reads the photos of a product's form: the hidden images, in
// order, and the indexes of those whose 삭제 box is checked.
func formImages(f form) []imageItem {
	removed := make(map[int]bool)
	for _, v := range f.Values["remove"] {
		if i, err := strconv.Atoi(v); err == nil {
			removed[i] = true
		}
	}
	var items []imageItem
	for i, u := range f.Values["images"] {
		if u = strings.TrimSpace(u); u != "" {
			items = append(items, imageItem{url: u, removed: removed[i]})
		}
	}
	return items
}

// setFormImages writes items back as the form's images and 삭제 boxes.
func setFormImages(f *form, items []imageItem) {
	f.Values.Del("images")
	f.Values.Del("remove")
	for i, it := range items {
		f.Values.Add("images", it.url)
		if it.removed {
			f.Values.Add("remove", strconv.Itoa(i))
		}
	}
}

// moveImage applies a 위로 ("up:3") or 아래로 ("down:3") button to items.
func moveImage(items []imageItem, move string) {
	dir, index, _ := strings.Cut(move, ":")
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 || i >= len(items) {
		return
	}
	switch {
	case dir == "up" && i > 0:
		items[i-1], items[i] = items[i], items[i-1]
	case dir == "down" && i < len(items)-1:
		items[i], items[i+1] = items[i+1], items[i]
	}
}

// keptImages are the photos of items whose 삭제 box is not checked.
func keptImages(items []imageItem) []string {
	var out []string
	for _, it := range items {
		if !it.removed {
			out = append(out, it.url)
		}
	}
	return out
}

// productForm reads a product's form. It uploads the photos, appending
// them to the form's images, and applies a 위로/아래로 button: then moved
// is true, and the form is to be shown again, not saved. Otherwise it
// returns the catalog input: the images kept, the uploaded ones, and the
// URL typed, in that order; the price in won; the stock, or nil when
// 재고 관리 안 함 is checked.
func (s *Storefront) productForm(ctx context.Context, f *form, files map[string][]*multipart.FileHeader, l *localErrors) (in catalog.ProductInput, moved bool, err error) {
	items := formImages(*f)
	if move := f.Value("move"); move != "" {
		moveImage(items, move)
		moved = true
	}
	f.Values.Del("move")
	uploaded, err := s.uploadImages(ctx, "photos", "images", files["photos"], l)
	if err != nil {
		return in, false, err
	}
	for _, u := range uploaded {
		items = append(items, imageItem{url: u})
	}
	setFormImages(f, items)
	if moved {
		return in, true, nil
	}
	in.Name, in.Description = f.Value("name"), f.Value("description")
	in.Images = keptImages(items)
	if u := strings.TrimSpace(f.Value("image_url")); u != "" {
		in.Images = append(in.Images, u)
	}
	in.Price = parseWon(l, f.Value("price"))
	in.BrandID = localID(l, *f, "brand_id", "images")
	in.Stock = parseStock(l, *f)
	if l.poisoned["images"] {
		in.Images = append(in.Images, refusedFile)
	}
	return in, false, nil
}

// parseWon reads a price typed in whole won: "12000", "12,000" or
// "12,000원". A blank price is left to the catalog (required); one that is
// not a number is an error that poisons the price.
func parseWon(l *localErrors, v string) commerce.Money {
	v = strings.NewReplacer(",", "", "원", "", " ", "").Replace(strings.TrimSpace(v))
	if v == "" {
		return commerce.Money{}
	}
	m, err := commerce.ParseMoney(v, "KRW")
	switch {
	case err == nil:
		return m
	case isNumber(v):
		// A number, but not of whole won.
		l.add("price", translate("KRW has no more than 0 minor digits"), "price")
	default:
		l.add("price", "숫자로 입력해 주세요. 예: 12000", "price")
	}
	return commerce.Money{}
}

// isNumber reports whether v is a decimal number.
func isNumber(v string) bool {
	_, err := strconv.ParseFloat(v, 64)
	return err == nil
}

// parseStock reads the stock of a product's form: nil when 재고 관리 안 함
// is checked, else the number typed. A missing or malformed number is an
// error that poisons the stock (-1, which the catalog refuses); the
// catalog checks the range.
func parseStock(l *localErrors, f form) *int {
	if f.Has("stock_untracked", "true") {
		return nil
	}
	poison := -1
	v := strings.TrimSpace(f.Value("stock"))
	if v == "" {
		l.add("stock", "재고 수량을 입력하거나 ‘재고 관리 안 함’을 골라 주세요.", "stock")
		return &poison
	}
	var bad commerce.ValidationError
	n := quantity(&bad, "stock", v, 0)
	if bad.Has("stock") {
		l.add("stock", translate(bad.Fields["stock"]), "stock")
		return &poison
	}
	return &n
}

// StaffNewProduct serves GET /staff/products/new.
func (s *Storefront) StaffNewProduct(w http.ResponseWriter, r *http.Request) {
	s.staffFormPage(w, r, http.StatusOK, staffFormView{Section: "products"})
}

// staffMoved shows a product's form again after a 위로/아래로 button,
// nothing saved: 200, or 422 when a photo uploaded with it was refused.
func (s *Storefront) staffMoved(w http.ResponseWriter, r *http.Request, v staffFormView, l *localErrors) {
	status := http.StatusOK
	if l.failed() {
		l.show(&v.Form)
		status = http.StatusUnprocessableEntity
	}
	s.staffFormPage(w, r, status, v)
}

// StaffCreateProduct serves POST /staff/products/new: the photos
// uploaded, then the product added — or, for a 위로/아래로 button, the
// form again with the photos reordered.
func (s *Storefront) StaffCreateProduct(w http.ResponseWriter, r *http.Request) {
	f, files, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	defer removeUploads(r)
	var l localErrors
	in, moved, err := s.productForm(r.Context(), &f, files, &l)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := staffFormView{Section: "products", Form: f}
	if moved {
		s.staffMoved(w, r, v, &l)
		return
	}
	if _, err := s.cat.CreateProduct(r.Context(), actor(r), in); err != nil {
		s.staffFormFailed(w, r, v, &l, err)
		return
	}
	redirect(w, r, "/staff/products?done=created")
}

// StaffEditProduct serves GET /staff/products/{id}/edit.
func (s *Storefront) StaffEditProduct(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	p, err := s.cat.Product(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.staffFormPage(w, r, http.StatusOK, staffFormView{Section: "products", ID: id, Form: form{Values: productValues(p)}})
}

// StaffUpdateProduct serves POST /staff/products/{id}/edit, at the version
// the form was read at — or, for a 위로/아래로 button, the form again with
// the photos reordered.
func (s *Storefront) StaffUpdateProduct(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, files, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	defer removeUploads(r)
	var l localErrors
	in, moved, err := s.productForm(r.Context(), &f, files, &l)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := staffFormView{Section: "products", ID: id, Form: f}
	if moved {
		s.staffMoved(w, r, v, &l)
		return
	}
	_, err = s.cat.UpdateProduct(r.Context(), actor(r), id, catalog.ProductPatch{
		Name: commerce.Some(in.Name), Description: commerce.Some(in.Description), Price: commerce.Some(in.Price),
		BrandID: commerce.Some(in.BrandID), Images: commerce.Some(in.Images), Stock: commerce.Some(in.Stock),
		Version: formVersion(f),
	})
	switch {
	case errors.Is(err, catalog.ErrVersionConflict):
		s.productConflict(w, r, id, f, in, &l)
		return
	case err != nil:
		s.staffFormFailed(w, r, v, &l, err)
		return
	}
	redirect(w, r, "/staff/products?done=updated")
}

// productConflict shows a product's form again after someone else's edit:
// their values, and what was typed (f, read as in) where it differs.
func (s *Storefront) productConflict(w http.ResponseWriter, r *http.Request, id uuid.UUID, f form, in catalog.ProductInput, l *localErrors) {
	p, err := s.cat.Product(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := staffFormView{Section: "products", ID: id, Form: form{Values: productValues(p)}, Thumbs: thumbnails{s.media}}
	if v.Brands, err = s.brandChoices(r.Context(), v.Form.Value("brand_id")); err != nil {
		s.fail(w, r, err)
		return
	}
	differs(&v.Conflict, "상품명", f.Value("name"), p.Name)
	differs(&v.Conflict, "설명", f.Value("description"), p.Description)
	won := func(v string) string { return strings.NewReplacer(",", "", "원", "", " ", "").Replace(v) }
	if typed := f.Value("price"); won(typed) != won(p.Price.AmountString()) {
		if strings.TrimSpace(typed) == "" {
			typed = "(비어 있음)"
		}
		v.Conflict = append(v.Conflict, typedField{Label: "가격", Value: typed})
	}
	var stored uuid.UUID
	if p.Brand != nil {
		stored = p.Brand.ID
	}
	if in.BrandID != stored {
		name := "없음"
		for _, b := range v.Brands {
			if b.ID == in.BrandID {
				name = b.Name
			}
		}
		v.Conflict = append(v.Conflict, typedField{Label: "브랜드", Value: name})
	}
	stock := func(n *int) string {
		if n == nil {
			return "재고 관리 안 함"
		}
		return strconv.Itoa(*n)
	}
	typedStock := stock(in.Stock)
	if in.Stock != nil && *in.Stock < 0 {
		typedStock = f.Value("stock")
	}
	differs(&v.Conflict, "재고", typedStock, stock(p.Stock))
	typed := slices.DeleteFunc(slices.Clone(in.Images), func(u string) bool { return u == refusedFile })
	imagesDiffer(&v.Conflict, v.Thumbs, "사진", typed, p.Images)
	s.staffConflict(w, r, v, l)
}

// StaffDeleteProduct serves POST /staff/products/{id}/delete: without
// confirm=yes, the list asks to confirm.
func (s *Storefront) StaffDeleteProduct(w http.ResponseWriter, r *http.Request) {
	id, confirmed, ok := s.staffDelete(w, r)
	if !ok {
		return
	}
	if !confirmed {
		p, err := s.cat.Product(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.staffProductsPage(w, r, http.StatusOK, staffProductsView{Confirm: &p})
		return
	}
	if err := s.cat.DeleteProduct(r.Context(), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/staff/products?done=deleted")
}
