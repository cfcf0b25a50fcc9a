package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeWalks are the parts of the READMEs whose commands TestReadme runs:
// a file, the heading of a section, and the headings of subsections left
// out (they need a provider or a database).
var readmeWalks = []struct {
	file, heading string
	skip          []string
}{
	{"README.md", "## Run it", nil},
	{"README.md", "## Accounts: a walk-through", []string{"### Google and Kakao"}},
	{"README.md", "## Cart, checkout and the notice board: a walk-through", nil},
	{"../../README.md", "## A walk through the demo shop's API", nil},
}

// TestReadme runs the walk-throughs of the READMEs as written, against the
// server started as they start it, and compares every answer they show —
// status, the headers shown, the body (through the jq program the command
// pipes it to) — with the real one. In the answers shown, "…" stands for
// anything, and ids, times, order numbers and session tokens, which differ
// from run to run, are compared by their form. A command that shows no
// answer must succeed. So an example in a README cannot drift from what the
// server does.
func TestReadme(t *testing.T) {
	for _, w := range readmeWalks {
		t.Run(w.file+" "+strings.TrimLeft(w.heading, "# "), func(t *testing.T) {
			t.Parallel()
			steps := readmeSteps(t, w.file, w.heading, w.skip)
			if len(steps) == 0 {
				t.Fatalf("%s: no commands under %q", w.file, w.heading)
			}
			r := &readmeRun{t: t, file: w.file, vars: map[string]string{}}
			for i, st := range steps {
				if !r.step(st) {
					t.Logf("ran %d of %d commands", i, len(steps))
					return
				}
			}
			t.Logf("ran %d commands", len(steps))
		})
	}
}

// readmeStep is one command of a README with the answer it shows.
type readmeStep struct {
	line    int      // of the command in the file, from 1
	command string   // continuation lines joined
	shown   []string // the lines of its answer
}

// readmeSteps returns the commands of the ```sh and ```console blocks in
// the section of file under heading, leaving out the subsections in skip.
// In a console block, a command starts with "$ " and the lines up to the
// next one are its answer; in an sh block, the "# " lines after a command
// are.
func readmeSteps(t *testing.T, file, heading string, skip []string) []readmeStep {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var (
		steps               []readmeStep
		in, fenced, skipped bool
		level, skipLevel    int
		lang                string
		first               int // the index in steps of the block's first command
	)
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "```") {
			fenced, lang, first = !fenced, strings.TrimPrefix(line, "```"), len(steps)
			continue
		}
		if !fenced && strings.HasPrefix(line, "#") {
			l := len(line) - len(strings.TrimLeft(line, "#"))
			switch {
			case line == heading:
				in, level = true, l
				continue
			case in && l <= level:
				return steps
			case in && skipped && l <= skipLevel:
				skipped = false
			}
			for _, s := range skip {
				if in && line == s {
					skipped, skipLevel = true, l
				}
			}
			continue
		}
		if !in || skipped || !fenced || (lang != "sh" && lang != "console") {
			continue
		}
		switch {
		case lang == "console" && strings.HasPrefix(line, "$ "),
			lang == "sh" && strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#"):
			st := readmeStep{line: i + 1, command: strings.TrimPrefix(line, "$ ")}
			for strings.HasSuffix(st.command, `\`) && i+1 < len(lines) {
				i++
				st.command = strings.TrimSuffix(st.command, `\`) + " " + strings.TrimSpace(lines[i])
			}
			steps = append(steps, st)
		case len(steps) == first: // before the block's first command
		case lang == "console":
			steps[len(steps)-1].shown = append(steps[len(steps)-1].shown, line)
		case strings.HasPrefix(line, "# "):
			steps[len(steps)-1].shown = append(steps[len(steps)-1].shown, strings.TrimPrefix(line, "# "))
		}
	}
	if !in {
		t.Fatalf("%s has no heading %q", file, heading)
	}
	return steps
}

// readmeRun is the state of one walk-through: the server the last
// "go run" started, curl's cookie jar, and the shell's variables.
type readmeRun struct {
	t    *testing.T
	file string
	srv  *server
	jar  http.CookieJar
	vars map[string]string
}

var assignment = regexp.MustCompile(`^([A-Z_]+)=\$\((.*)\)$`)

// step runs st and reports whether the walk-through goes on.
func (r *readmeRun) step(st readmeStep) bool {
	t := r.t
	at := fmt.Sprintf("%s:%d: %s", r.file, st.line, st.command)
	command, variable := st.command, ""
	if m := assignment.FindStringSubmatch(command); m != nil {
		variable, command = m[1], m[2]
	}
	words, comment, err := shellWords(command, r.vars)
	if err != nil {
		t.Fatalf("%s: %v", at, err)
	}
	env := map[string]string{}
	for len(words) > 0 && strings.Contains(words[0], "=") && strings.HasPrefix(words[0], "COMMERCE_") {
		k, v, _ := strings.Cut(words[0], "=")
		env[k], words = v, words[1:]
	}
	switch {
	case len(words) >= 3 && words[0] == "go" && words[1] == "run" && words[2] == "./examples/server":
		for k := range env {
			if k != "COMMERCE_BOOTSTRAP_STAFF" {
				t.Logf("%s: not run (the test runs on memory); the rest of the section is left out", at)
				return false
			}
		}
		r.start(env)
		return true
	case len(words) == 0 || words[0] != "curl":
		if len(st.shown) > 0 {
			t.Fatalf("%s: shows an answer, but the test runs only curl and go run", at)
		}
		return true
	}
	if r.srv == nil {
		r.start(nil) // "with go run ./examples/server running"
	}
	stages := split(words, "|")
	status, header, body := r.curl(at, stages[0][1:])
	out, err := pipe(body, stages[1:])
	if err != nil {
		t.Fatalf("%s: %v", at, err)
	}
	if variable != "" {
		r.vars[variable] = strings.TrimRight(out, "\n")
		if status >= 400 || r.vars[variable] == "" {
			t.Fatalf("%s: status %d, %s=%q; body %s", at, status, variable, r.vars[variable], body)
		}
		return true
	}
	want := readAnswer(st.shown, comment)
	switch {
	case want.status != 0 && status != want.status:
		t.Errorf("%s: status %d, the README shows %d; body %s", at, status, want.status, body)
	case want.status == 0 && want.body == "" && status >= 400:
		t.Errorf("%s: status %d, and the README shows no failure; body %s", at, status, body)
	}
	for _, h := range want.headers {
		name, value, _ := strings.Cut(h, ": ")
		found := false
		for _, got := range header.Values(name) {
			found = found || shownMatches(value, got)
		}
		if !found {
			t.Errorf("%s: header %s: %q, the README shows %q", at, name, header.Values(name), value)
		}
	}
	if want.body != "" && !shownMatches(want.body, strings.TrimSpace(out)) {
		t.Errorf("%s:\n got %s\nREADME %s", at, strings.TrimSpace(out), want.body)
	}
	return true
}

// start starts the server as "go run ./examples/server" with env would,
// on a free port, with a fresh cookie jar. Password hashes are cheaper
// than the default, which changes no answer.
func (r *readmeRun) start(env map[string]string) {
	if r.srv != nil {
		r.srv.stop(r.t)
	}
	full := map[string]string{"COMMERCE_PASSWORD_ITERATIONS": "1000"}
	for k, v := range env {
		full[k] = v
	}
	r.srv = startRun(r.t, nil, full)
	r.srv.waitReady(r.t)
	jar, err := cookiejar.New(nil)
	if err != nil {
		r.t.Fatal(err)
	}
	r.jar = jar
}

// curl sends the request that curl would with args and returns the
// answer. It knows the options the READMEs use.
func (r *readmeRun) curl(at string, args []string) (int, http.Header, []byte) {
	t := r.t
	var (
		method, target, body string
		query                url.Values
		get, save, send      bool
		header               = http.Header{}
	)
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() string {
			if i+1 >= len(args) {
				t.Fatalf("%s: %s wants a value", at, a)
			}
			i++
			return args[i]
		}
		switch a {
		case "-s", "-i", "-sS":
		case "-c":
			save = next() == "jar"
		case "-b":
			if v := next(); v == "jar" {
				send = true
			} else {
				header.Add("Cookie", v)
			}
		case "-H":
			k, v, _ := strings.Cut(next(), ": ")
			header.Add(k, v)
		case "-d":
			body = next()
		case "-X":
			method = next()
		case "--get":
			get = true
		case "--data-urlencode":
			k, v, _ := strings.Cut(next(), "=")
			if query == nil {
				query = url.Values{}
			}
			query.Add(k, v)
		default:
			if strings.HasPrefix(a, "-") {
				t.Fatalf("%s: the test does not know curl's %s", at, a)
			}
			target = strings.TrimPrefix(strings.TrimPrefix(a, "http://"), "localhost:8080")
		}
	}
	if !strings.HasPrefix(target, "/") {
		t.Fatalf("%s: no localhost:8080 URL", at)
	}
	u, err := url.Parse(r.srv.url + target)
	if err != nil {
		t.Fatalf("%s: %v", at, err)
	}
	if query != nil {
		if !get {
			t.Fatalf("%s: --data-urlencode without --get", at)
		}
		u.RawQuery = query.Encode()
	}
	if method == "" {
		method = "GET"
		if body != "" && !get {
			method = "POST"
		}
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		t.Fatalf("%s: %v", at, err)
	}
	req.Header = header
	if send {
		for _, c := range r.jar.Cookies(u) {
			req.AddCookie(c)
		}
	}
	client := http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", at, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s: %v", at, err)
	}
	if save {
		r.jar.SetCookies(u, res.Cookies())
	}
	return res.StatusCode, res.Header, b
}

// shownAnswer is what a README shows of an answer.
type shownAnswer struct {
	status  int
	headers []string
	body    string
}

var leadingStatus = regexp.MustCompile(`^(\d{3})\b`)

// readAnswer reads the lines a README shows after a command — "HTTP/1.1 201
// Created" and headers, then the body; or a status such as "201 Created";
// or the body alone — and the command's own comment ("# 204").
func readAnswer(shown []string, comment string) shownAnswer {
	var a shownAnswer
	if m := leadingStatus.FindStringSubmatch(comment); m != nil {
		a.status, _ = strconv.Atoi(m[1])
	}
	if len(shown) > 0 && strings.HasPrefix(shown[0], "HTTP/") {
		a.status, _ = strconv.Atoi(strings.Fields(shown[0])[1])
		shown = shown[1:]
		for len(shown) > 0 && strings.TrimSpace(shown[0]) != "" {
			a.headers, shown = append(a.headers, shown[0]), shown[1:]
		}
	}
	var body []string
	for _, l := range shown {
		if m := leadingStatus.FindStringSubmatch(l); m != nil && len(body) == 0 {
			a.status, _ = strconv.Atoi(m[1])
			continue
		}
		if strings.TrimSpace(l) != "" {
			body = append(body, l)
		}
	}
	a.body = strings.Join(body, "\n")
	return a
}

// The parts of an answer that differ from run to run, replaced by their
// kind before comparing. A README shortens an id to its first groups and
// "…".
var varying = []struct {
	re   *regexp.Regexp
	kind string
}{
	{regexp.MustCompile(`\b[0-9a-f]{8}(?:-[0-9a-f]{4}){0,3}-…`), "<id>"},
	{regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "<id>"},
	{regexp.MustCompile(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z`), "<time>"},
	{regexp.MustCompile(`[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT`), "<date>"},
	{regexp.MustCompile(`"\d{8}-\d{8}"`), `"<order number>"`},
	{regexp.MustCompile(`"token":"[^"]*"`), `"token":"<token>"`},
	{regexp.MustCompile(`session=[^;\s]+`), "session=<token>"},
}

// shownMatches reports whether got is what shown shows: the same, but for
// the parts that vary, and with "…" in shown standing for anything.
func shownMatches(shown, got string) bool {
	for _, v := range varying {
		shown = v.re.ReplaceAllLiteralString(shown, v.kind)
		got = v.re.ReplaceAllLiteralString(got, v.kind)
	}
	parts := strings.Split(shown, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`(?s)^` + strings.Join(parts, ".*?") + `$`).MatchString(got)
}

// shellWords splits a command line as sh would, for the commands of the
// READMEs: words, '…' and "…" quoting with \ escapes in double quotes,
// $NAME from vars, a lone | as a word of its own, and a # comment, which
// it returns apart.
func shellWords(line string, vars map[string]string) (words []string, comment string, err error) {
	var (
		w      strings.Builder
		inWord bool
	)
	end := func() {
		if inWord {
			words = append(words, w.String())
			w.Reset()
			inWord = false
		}
	}
	expand := func(i int) int { // line[i] == '$'
		j := i + 1
		for j < len(line) && (line[j] == '_' || line[j] >= 'A' && line[j] <= 'Z' || line[j] >= '0' && line[j] <= '9') {
			j++
		}
		name := line[i+1 : j]
		if name == "" {
			w.WriteByte('$')
			return i + 1
		}
		v, ok := vars[name]
		if !ok {
			err = fmt.Errorf("$%s is not set by an earlier command", name)
		}
		w.WriteString(v)
		return j
	}
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			end()
			i++
		case c == '#' && !inWord:
			return words, strings.TrimSpace(line[i+1:]), err
		case c == '|' && !inWord:
			words = append(words, "|")
			i++
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, "", errors.New("unterminated '")
			}
			w.WriteString(line[i+1 : i+1+j])
			inWord, i = true, i+j+2
		case c == '"':
			inWord = true
			i++
			for i < len(line) && line[i] != '"' {
				switch {
				case line[i] == '\\' && i+1 < len(line) && strings.IndexByte(`"\$`, line[i+1]) >= 0:
					w.WriteByte(line[i+1])
					i += 2
				case line[i] == '$':
					i = expand(i)
				default:
					w.WriteByte(line[i])
					i++
				}
			}
			if i >= len(line) {
				return nil, "", errors.New(`unterminated "`)
			}
			i++
		case c == '$':
			inWord = true
			i = expand(i)
		default:
			w.WriteByte(c)
			inWord, i = true, i+1
		}
	}
	end()
	return words, "", err
}

// split cuts words at each sep.
func split(words []string, sep string) [][]string {
	out := [][]string{nil}
	for _, w := range words {
		if w == sep {
			out = append(out, nil)
			continue
		}
		out[len(out)-1] = append(out[len(out)-1], w)
	}
	return out
}

// pipe passes body through the filters a README pipes curl's output to:
// jq -c and jq -r (see jqCompile), grep -o, head -N and cut -dX -fN.
func pipe(body []byte, stages [][]string) (string, error) {
	out := string(body)
	for _, s := range stages {
		switch {
		case len(s) == 3 && s[0] == "jq" && (s[1] == "-c" || s[1] == "-r"):
			f, err := jqCompile(s[2])
			if err != nil {
				return "", fmt.Errorf("jq %s: %w", s[2], err)
			}
			in, err := jqDecode([]byte(out))
			if err != nil {
				return "", fmt.Errorf("jq: the answer is not JSON: %w: %s", err, out)
			}
			results, err := f(in)
			if err != nil {
				return "", fmt.Errorf("jq %s: %w", s[2], err)
			}
			var b strings.Builder
			for _, v := range results {
				if str, ok := v.(string); ok && s[1] == "-r" {
					b.WriteString(str)
				} else {
					b.WriteString(jqJSON(v))
				}
				b.WriteByte('\n')
			}
			out = b.String()
		case len(s) == 3 && s[0] == "grep" && s[1] == "-o":
			re, err := regexp.Compile(s[2])
			if err != nil {
				return "", err
			}
			out = strings.Join(re.FindAllString(out, -1), "\n") + "\n"
		case len(s) == 2 && s[0] == "head" && strings.HasPrefix(s[1], "-"):
			n, err := strconv.Atoi(s[1][1:])
			if err != nil {
				return "", err
			}
			lines := strings.SplitAfter(out, "\n")
			out = strings.Join(lines[:min(n, len(lines))], "")
		case len(s) == 3 && s[0] == "cut" && strings.HasPrefix(s[1], "-d") && strings.HasPrefix(s[2], "-f"):
			n, err := strconv.Atoi(s[2][2:])
			if err != nil {
				return "", err
			}
			var b strings.Builder
			sc := bufio.NewScanner(strings.NewReader(out))
			for sc.Scan() {
				if f := strings.Split(sc.Text(), s[1][2:]); n <= len(f) {
					b.WriteString(f[n-1])
				}
				b.WriteByte('\n')
			}
			out = b.String()
		default:
			return "", fmt.Errorf("the test does not know the filter %q", s)
		}
	}
	return out, nil
}

// jqObject is a JSON object that keeps its keys in order, as jq does.
type jqObject []jqField

type jqField struct {
	key   string
	value any
}

// jqDecode decodes JSON with objects as jqObject and numbers as
// json.Number.
func jqDecode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var value func() (any, error)
	value = func() (any, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch tok {
		case json.Delim('{'):
			o := jqObject{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := value()
				if err != nil {
					return nil, err
				}
				o = append(o, jqField{k.(string), v})
			}
			_, err := dec.Token()
			return o, err
		case json.Delim('['):
			a := []any{}
			for dec.More() {
				v, err := value()
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return tok, nil
	}
	return value()
}

// jqJSON writes v as jq -c does: compact, keys in order, no HTML escapes.
func jqJSON(v any) string {
	var b strings.Builder
	var write func(v any)
	write = func(v any) {
		switch v := v.(type) {
		case jqObject:
			b.WriteByte('{')
			for i, f := range v {
				if i > 0 {
					b.WriteByte(',')
				}
				write(f.key)
				b.WriteByte(':')
				write(f.value)
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range v {
				if i > 0 {
					b.WriteByte(',')
				}
				write(e)
			}
			b.WriteByte(']')
		default:
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				panic(err)
			}
			b.WriteString(strings.TrimSuffix(buf.String(), "\n"))
		}
	}
	write(v)
	return b.String()
}

// jqFilter maps an input to its outputs.
type jqFilter func(in any) ([]any, error)

// jqCompile compiles the part of jq the READMEs use: paths (.a.b, .a[],
// .a[0]), object construction ({a, b: .c}), collection ([…]) and pipes.
func jqCompile(src string) (jqFilter, error) {
	p := &jqParser{src: src}
	f, err := p.pipe()
	if p.skip(); err == nil && p.pos < len(src) {
		err = fmt.Errorf("unexpected %q", src[p.pos:])
	}
	return f, err
}

type jqParser struct {
	src string
	pos int
}

func (p *jqParser) skip() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *jqParser) eat(c byte) bool {
	p.skip()
	if p.pos < len(p.src) && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *jqParser) ident() string {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *jqParser) pipe() (jqFilter, error) {
	f, err := p.term()
	for err == nil && p.eat('|') {
		var g jqFilter
		if g, err = p.term(); err != nil {
			break
		}
		f = then(f, g)
	}
	return f, err
}

func (p *jqParser) term() (jqFilter, error) {
	p.skip()
	switch {
	case p.eat('{'):
		return p.object()
	case p.eat('['):
		f, err := p.pipe()
		if err == nil && !p.eat(']') {
			err = errors.New("] expected")
		}
		return func(in any) ([]any, error) {
			out, err := f(in)
			if out == nil {
				out = []any{}
			}
			return []any{out}, err
		}, err
	case p.pos < len(p.src) && p.src[p.pos] == '.':
		return p.path()
	}
	return nil, fmt.Errorf("unexpected %q", p.src[p.pos:])
}

func (p *jqParser) path() (jqFilter, error) {
	f := jqFilter(func(in any) ([]any, error) { return []any{in}, nil })
	p.pos++ // .
	if name := p.ident(); name != "" {
		f = then(f, jqGet(name))
	}
	for p.pos < len(p.src) {
		switch {
		case p.src[p.pos] == '.':
			p.pos++
			name := p.ident()
			if name == "" {
				return nil, errors.New("a name after . expected")
			}
			f = then(f, jqGet(name))
		case strings.HasPrefix(p.src[p.pos:], "[]"):
			p.pos += 2
			f = then(f, jqEach)
		case p.src[p.pos] == '[':
			p.pos++
			n, err := strconv.Atoi(p.ident())
			if err != nil || !p.eat(']') {
				return nil, errors.New("[n] expected")
			}
			f = then(f, jqIndex(n))
		default:
			return f, nil
		}
	}
	return f, nil
}

func (p *jqParser) object() (jqFilter, error) {
	type entry struct {
		key   string
		value jqFilter
	}
	var entries []entry
	for !p.eat('}') {
		if len(entries) > 0 && !p.eat(',') {
			return nil, errors.New(", or } expected")
		}
		p.skip()
		e := entry{key: p.ident()}
		if e.key == "" {
			return nil, errors.New("a key expected")
		}
		e.value = jqGet(e.key)
		if p.eat(':') {
			var err error
			if e.value, err = p.term(); err != nil {
				return nil, err
			}
		}
		entries = append(entries, e)
	}
	return func(in any) ([]any, error) {
		o := jqObject{}
		for _, e := range entries {
			v, err := e.value(in)
			if err != nil {
				return nil, err
			}
			if len(v) != 1 {
				return nil, fmt.Errorf("%s: %d values", e.key, len(v))
			}
			o = append(o, jqField{e.key, v[0]})
		}
		return []any{o}, nil
	}, nil
}

// then is f | g.
func then(f, g jqFilter) jqFilter {
	return func(in any) ([]any, error) {
		mid, err := f(in)
		if err != nil {
			return nil, err
		}
		var out []any
		for _, m := range mid {
			o, err := g(m)
			if err != nil {
				return nil, err
			}
			out = append(out, o...)
		}
		return out, nil
	}
}

func jqGet(name string) jqFilter {
	return func(in any) ([]any, error) {
		switch in := in.(type) {
		case nil:
			return []any{nil}, nil
		case jqObject:
			for _, f := range in {
				if f.key == name {
					return []any{f.value}, nil
				}
			}
			return []any{nil}, nil
		}
		return nil, fmt.Errorf("cannot index %T with %q", in, name)
	}
}

func jqEach(in any) ([]any, error) {
	switch in := in.(type) {
	case []any:
		return in, nil
	case jqObject:
		out := make([]any, len(in))
		for i, f := range in {
			out[i] = f.value
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot iterate over %T", in)
}

func jqIndex(n int) jqFilter {
	return func(in any) ([]any, error) {
		a, ok := in.([]any)
		if !ok {
			return nil, fmt.Errorf("cannot index %T with %d", in, n)
		}
		if n >= len(a) {
			return []any{nil}, nil
		}
		return []any{a[n]}, nil
	}
}
