package azurebatch

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A small OData $filter evaluator for List Tasks. It supports comparisons
// (eq, ne, gt, ge, lt, le) between a property path (such as state, id,
// displayName, executionInfo/exitCode, executionInfo/result, creationTime)
// and a literal ('string' with '' escaping, a number, true, false, null or
// datetime'2026-11-22T12:00:00Z'); the functions startswith(prop,'x'),
// endswith(prop,'x') and substringof('x',prop) (optionally compared with
// eq true/false); and, or, not and parentheses. String comparisons are
// case-sensitive. A property the task does not have compares as null.

type filterExpr interface {
	eval(m map[string]any) bool
}

type andExpr struct{ l, r filterExpr }
type orExpr struct{ l, r filterExpr }
type notExpr struct{ e filterExpr }
type cmpExpr struct {
	prop string
	op   string
	lit  any
}
type funcExpr struct {
	name string
	prop string
	arg  string
	want bool
}

func (e andExpr) eval(m map[string]any) bool { return e.l.eval(m) && e.r.eval(m) }
func (e orExpr) eval(m map[string]any) bool  { return e.l.eval(m) || e.r.eval(m) }
func (e notExpr) eval(m map[string]any) bool { return !e.e.eval(m) }

func lookupPath(m map[string]any, path string) any {
	var cur any = m
	for _, p := range strings.Split(path, "/") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		var found bool
		cur, found = mm[p]
		if !found {
			// property names are matched case-insensitively
			cur = nil
			for k, v := range mm {
				if strings.EqualFold(k, p) {
					cur = v
					break
				}
			}
		}
	}
	return cur
}

func (e funcExpr) eval(m map[string]any) bool {
	s, ok := lookupPath(m, e.prop).(string)
	if !ok {
		return !e.want
	}
	var r bool
	switch e.name {
	case "startswith":
		r = strings.HasPrefix(s, e.arg)
	case "endswith":
		r = strings.HasSuffix(s, e.arg)
	case "substringof":
		r = strings.Contains(s, e.arg)
	}
	return r == e.want
}

func (e cmpExpr) eval(m map[string]any) bool {
	v := lookupPath(m, e.prop)
	c, ok := compare(v, e.lit)
	if !ok {
		// incomparable (including null against a value): only ne holds
		return e.op == "ne"
	}
	switch e.op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

func compare(v, lit any) (int, bool) {
	switch l := lit.(type) {
	case nil:
		if v == nil {
			return 0, true
		}
		return 0, false
	case string:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(s, l), true
	case float64:
		f, ok := v.(float64)
		if !ok {
			return 0, false
		}
		switch {
		case f < l:
			return -1, true
		case f > l:
			return 1, true
		}
		return 0, true
	case bool:
		b, ok := v.(bool)
		if !ok {
			return 0, false
		}
		if b == l {
			return 0, true
		}
		return 1, true
	case time.Time:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, false
		}
		return t.Compare(l), true
	}
	return 0, false
}

// tokenizer

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tDatetime
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
}

func tokenize(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "("})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")"})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ","})
			i++
		case c == '\'':
			str, n, err := readString(s[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tString, str})
			i += n
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			toks = append(toks, token{tNumber, s[i:j]})
			i = j
		case isIdentChar(c):
			j := i
			for j < len(s) && (isIdentChar(s[j]) || s[j] == '/' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			word := s[i:j]
			if strings.EqualFold(word, "datetime") && j < len(s) && s[j] == '\'' {
				str, n, err := readString(s[j:])
				if err != nil {
					return nil, err
				}
				toks = append(toks, token{tDatetime, str})
				i = j + n
				continue
			}
			toks = append(toks, token{tIdent, word})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at position %d", c, i)
		}
	}
	return append(toks, token{kind: tEOF}), nil
}

func isIdentChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' || c == '$'
}

func readString(s string) (string, int, error) {
	var b strings.Builder
	i := 1
	for i < len(s) {
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			return b.String(), i + 1, nil
		}
		b.WriteByte(s[i])
		i++
	}
	return "", 0, fmt.Errorf("unterminated string literal")
}

// parser

type filterParser struct {
	toks []token
	pos  int
}

func parseFilter(s string) (filterExpr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, fmt.Errorf("unexpected %q", p.peek().text)
	}
	return e, nil
}

func (p *filterParser) peek() token { return p.toks[p.pos] }
func (p *filterParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *filterParser) keyword(w string) bool {
	t := p.peek()
	if t.kind == tIdent && strings.EqualFold(t.text, w) {
		p.pos++
		return true
	}
	return false
}

func (p *filterParser) or() (filterExpr, error) {
	return p.leftAssociative("or", p.and, func(l, r filterExpr) filterExpr { return orExpr{l, r} })
}

func (p *filterParser) and() (filterExpr, error) {
	return p.leftAssociative("and", p.unary, func(l, r filterExpr) filterExpr { return andExpr{l, r} })
}

// leftAssociative parses operands joined by the keyword op, grouping from
// the left: a op b op c is (a op b) op c.
func (p *filterParser) leftAssociative(op string, operand func() (filterExpr, error), join func(l, r filterExpr) filterExpr) (filterExpr, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for p.keyword(op) {
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = join(l, r)
	}
	return l, nil
}

func (p *filterParser) unary() (filterExpr, error) {
	if p.keyword("not") {
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notExpr{e}, nil
	}
	return p.primary()
}

func (p *filterParser) expect(k tokKind, what string) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, fmt.Errorf("expected %s, found %q", what, t.text)
	}
	return t, nil
}

func (p *filterParser) primary() (filterExpr, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return e, nil
	case tIdent:
		name := strings.ToLower(t.text)
		if p.peek().kind == tLParen {
			return p.function(name)
		}
		op := p.next()
		if op.kind != tIdent {
			return nil, fmt.Errorf("expected a comparison operator after %q", t.text)
		}
		o := strings.ToLower(op.text)
		switch o {
		case "eq", "ne", "gt", "ge", "lt", "le":
		default:
			return nil, fmt.Errorf("unsupported operator %q", op.text)
		}
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		return cmpExpr{prop: t.text, op: o, lit: lit}, nil
	}
	return nil, fmt.Errorf("unexpected %q", t.text)
}

func (p *filterParser) function(name string) (filterExpr, error) {
	p.next() // (
	var prop, arg string
	switch name {
	case "startswith", "endswith":
		pt, at, err := p.twoArguments(tIdent, "a property name", tString, "a string literal")
		if err != nil {
			return nil, err
		}
		prop, arg = pt.text, at.text
	case "substringof":
		at, pt, err := p.twoArguments(tString, "a string literal", tIdent, "a property name")
		if err != nil {
			return nil, err
		}
		prop, arg = pt.text, at.text
	default:
		return nil, fmt.Errorf("unsupported function %q", name)
	}
	if _, err := p.expect(tRParen, "')'"); err != nil {
		return nil, err
	}
	f := funcExpr{name: name, prop: prop, arg: arg, want: true}
	if t := p.peek(); t.kind == tIdent && (strings.EqualFold(t.text, "eq") || strings.EqualFold(t.text, "ne")) {
		op := strings.ToLower(p.next().text)
		b := p.next()
		if b.kind != tIdent || (!strings.EqualFold(b.text, "true") && !strings.EqualFold(b.text, "false")) {
			return nil, fmt.Errorf("a function result can only be compared with true or false")
		}
		f.want = strings.EqualFold(b.text, "true") == (op == "eq")
	}
	return f, nil
}

// twoArguments parses "first, second" of a function call.
func (p *filterParser) twoArguments(firstKind tokKind, first string, secondKind tokKind, second string) (token, token, error) {
	a, err := p.expect(firstKind, first)
	if err != nil {
		return a, token{}, err
	}
	if _, err := p.expect(tComma, "','"); err != nil {
		return a, token{}, err
	}
	b, err := p.expect(secondKind, second)
	return a, b, err
}

func (p *filterParser) literal() (any, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return t.text, nil
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid number %q", t.text)
		}
		return f, nil
	case tDatetime:
		tm, err := time.Parse(time.RFC3339Nano, t.text)
		if err != nil {
			// without a zone: UTC
			if tm, err = time.Parse("2006-01-02T15:04:05.9999999", t.text); err != nil {
				return nil, fmt.Errorf("invalid datetime %q", t.text)
			}
		}
		return tm, nil
	case tIdent:
		switch strings.ToLower(t.text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
	}
	return nil, fmt.Errorf("expected a literal, found %q", t.text)
}
