// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The work of decoding one document is bounded, so that aliases that
// expand exponentially ("billion laughs") fail fast instead of exhausting
// time and memory: a document of n bytes may take decodeStepsPerByte*n +
// minDecodeSteps steps, which aliases and merge keys in real configurations
// never approach.
const (
	decodeStepsPerByte = 10
	minDecodeSteps     = 10_000
)

// decoder decodes a YAML node tree into a Config. yaml decodes each
// scalar; the decoder walks the mappings and lists itself, because yaml
// cannot tell the full key path of an error, suggest a known key, expand
// ${VAR} value by value (so that a value can never inject YAML structure),
// or say which keys the YAML set.
type decoder struct {
	lookupEnv func(string) (string, bool)

	// lines maps the path of every key the YAML gives, and of every list
	// element, to its line; set holds those that are not null. A null value
	// (`key:`, `key: ~`) leaves the key unset.
	lines map[string]int
	set   map[string]bool

	errs     []*Error
	expanded map[*yaml.Node]*yaml.Node // nil value: expansion failed
	active   map[*yaml.Node]bool       // mappings being listed, to catch merge cycles
	steps    int                       // steps left; see decodeStepsPerByte
}

// decode decodes the document root, of size bytes, into c.
func decode(root *yaml.Node, size int, c *Config, lookupEnv func(string) (string, bool)) *decoder {
	d := &decoder{
		lookupEnv: lookupEnv,
		lines:     map[string]int{},
		set:       map[string]bool{},
		expanded:  map[*yaml.Node]*yaml.Node{},
		active:    map[*yaml.Node]bool{},
		steps:     decodeStepsPerByte*size + minDecodeSteps,
	}
	d.value(root, reflect.ValueOf(c).Elem(), "", field{})
	return d
}

// line returns the line of the value at path, or of its nearest ancestor
// the YAML gave, or 0.
func (d *decoder) line(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if l, ok := d.lines[p]; ok {
			return l
		}
	}
	return 0
}

// step spends k steps of the budget, and reports false once it is spent,
// after one error.
func (d *decoder) step(k int, n *yaml.Node) bool {
	if d.steps -= k; d.steps < 0 && d.steps+k >= 0 {
		d.fail("", n.Line, "aliases expand the document to too many values", "use fewer aliases")
	}
	return d.steps >= 0
}

func (d *decoder) fail(path string, line int, problem, hint string) {
	d.errs = append(d.errs, &Error{Path: path, Line: line, Problem: problem, Hint: hint})
}

// field describes how a value is decoded, from the `config` struct tag of
// the field that holds it.
type field struct {
	secret       bool // never shown; masked by Redacted
	endpoint     bool // an endpoint, shown and kept by Redacted without user info and query
	scalarOrList bool // a []string that also accepts a single name
}

func fieldOf(f reflect.StructField, parent field) field {
	tags := strings.Split(f.Tag.Get("config"), ",")
	return field{
		secret:       parent.secret || slices.Contains(tags, "secret"),
		endpoint:     slices.Contains(tags, "endpoint"),
		scalarOrList: slices.Contains(tags, "scalarOrList"),
	}
}

// yamlFields maps the YAML keys of struct type t to its fields.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(t) {
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); f.IsExported() && name != "" && name != "-" {
			out[name] = f
		}
	}
	return out
}

// value stores the YAML node n in v, and reports false if n is null (a
// null leaves v as it is).
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, f field) bool {
	// An alias cannot recurse for ever: each level of the Config type is
	// one level down the tree, and the types end.
	n = resolveAlias(n)
	x := n // n with its ${VAR} references expanded; nil if that failed
	if n.Kind == yaml.ScalarNode {
		x = d.expand(n, path)
	}
	if n.Kind == 0 || x != nil && x.ShortTag() == "!!null" {
		return false
	}
	if !d.step(1, n) {
		return true
	}
	switch v.Kind() {
	case reflect.Struct, reflect.Map:
		d.mapping(n, v, path, f)
	case reflect.Slice:
		d.list(n, v, path, f)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		d.value(n, v.Elem(), path, f)
	default:
		d.scalar(n, x, v, path, f)
	}
	return true
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string, f field) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, path, "a mapping", f)
		return
	}
	isMap := v.Kind() == reflect.Map
	var fields map[string]reflect.StructField
	if isMap {
		v.Set(reflect.MakeMap(v.Type()))
	} else {
		fields = yamlFields(v.Type())
	}
	for _, e := range d.entries(n, path) {
		p, ef := childPath(path, e.key), f
		var ev reflect.Value
		if isMap {
			ev = reflect.New(v.Type().Elem()).Elem()
		} else if sf, ok := fields[e.key]; ok {
			ev, ef = v.FieldByIndex(sf.Index), fieldOf(sf, f)
		} else {
			d.unknownKey(p, e.line, e.key, path, fields)
			continue
		}
		d.lines[p] = e.line
		d.set[p] = d.value(e.value, ev, p, ef)
		if isMap { // a key with a null value is there, with a zero value
			v.SetMapIndex(reflect.ValueOf(e.key), ev)
		}
	}
}

func (d *decoder) list(n *yaml.Node, v reflect.Value, path string, f field) {
	items := n.Content
	switch {
	case n.Kind == yaml.ScalarNode && f.scalarOrList:
		items = []*yaml.Node{n}
	case n.Kind != yaml.SequenceNode:
		want := "a list"
		if f.scalarOrList {
			want = "a name or a list of names"
		}
		d.typeError(n, path, want, f)
		return
	}
	v.Set(reflect.MakeSlice(v.Type(), len(items), len(items)))
	for i, c := range items {
		p := indexPath(path, i)
		d.lines[p], d.set[p] = c.Line, true
		d.value(c, v.Index(i), p, f)
	}
}

// scalarKinds names the kinds of scalar a Config holds, for type errors.
var scalarKinds = map[reflect.Kind]string{
	reflect.String:  "a string",
	reflect.Bool:    "a boolean (true or false)",
	reflect.Int:     "an integer",
	reflect.Float64: "a number",
}

// textScalar decodes the scalars of a type from their text, with a parser
// of ours instead of yaml's, so that a bad value gets a message that says
// how to write one.
type textScalar struct {
	want  string                      // "a duration", for type errors
	parse func(string) (int64, error) // the error's text is the hint
}

// textScalars lists the types decoded by a textScalar.
var textScalars = map[reflect.Type]textScalar{
	reflect.TypeFor[time.Duration](): {"a duration", parseDuration},
	reflect.TypeFor[ByteSize](): {"a size", func(s string) (int64, error) {
		b, err := parseByteSize(s)
		return int64(b), err
	}},
}

// parseDuration parses a Go duration such as 60s, 2m or 1h30m. A bare
// number is refused: 60 could mean seconds or nanoseconds.
func parseDuration(s string) (int64, error) {
	if _, err := strconv.ParseFloat(s, 64); err == nil && strings.Trim(s, "+-.0123456789") == "" {
		return 0, errors.New("write a unit, e.g. 60s")
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("for example 60s, 2m or 1h30m")
	}
	return int64(d), nil
}

// scalar stores scalar n, expanded to x, in v.
func (d *decoder) scalar(n, x *yaml.Node, v reflect.Value, path string, f field) {
	want := scalarKinds[v.Kind()]
	ts, isText := textScalars[v.Type()]
	if isText {
		want = ts.want
	}
	var fl float64
	switch {
	case n.Kind != yaml.ScalarNode:
		d.typeError(n, path, want, f)
	case x == nil:
	case isText:
		i, err := ts.parse(x.Value)
		if err != nil {
			d.fail(path, x.Line, fmt.Sprintf("%s is not %s", describe(x, f), want), err.Error())
			return
		}
		v.SetInt(i)
	case v.Kind() == reflect.String && x.ShortTag() != "!!binary":
		v.SetString(x.Value) // any scalar's text; yaml would refuse `!!int abc`
	case x.Decode(v.Addr().Interface()) != nil,
		// yaml truncates 1.5 to 1 for an int.
		v.Kind() == reflect.Int && (x.Decode(&fl) != nil || fl != float64(v.Int())):
		d.typeError(x, path, want, f)
	}
}

// typeError reports that n is not the wanted kind of value.
func (d *decoder) typeError(n *yaml.Node, path, want string, f field) {
	if path == "" {
		d.fail("", n.Line, fmt.Sprintf("the document is %s, not a mapping", describe(n, f)),
			"a configuration is a mapping with the keys backend and plugins")
		return
	}
	d.fail(path, n.Line, fmt.Sprintf("%s is not %s", describe(n, f), want), "")
}

// describe names a value for an error message without showing secrets.
func describe(n *yaml.Node, f field) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case f.secret:
		return secretText(n.Value)
	case f.endpoint:
		return showEndpoint(n.Value)
	}
	return fmt.Sprintf("%q", n.Value)
}

func (d *decoder) unknownKey(path string, line int, key, parent string, known map[string]reflect.StructField) {
	names := slices.Sorted(maps.Keys(known))
	where := "here"
	if parent != "" {
		where = "under " + parent
	}
	hint := fmt.Sprintf("known keys %s: %s", where, strings.Join(names, ", "))
	if s := suggest(key, names); s != "" {
		hint = fmt.Sprintf("did you mean %s? %s", s, hint)
	}
	d.fail(path, line, "unknown key", hint)
}

// expand returns scalar n with its ${VAR} references replaced, or nil
// after reporting an error. A plain (unquoted, untagged) value is resolved
// again, as if its expansion had been written in its place: `ratio: ${R}`
// is a number. Each node is expanded once, so that an error is reported
// once however many aliases refer to it.
func (d *decoder) expand(n *yaml.Node, path string) *yaml.Node {
	if x, ok := d.expanded[n]; ok {
		return x
	}
	v, err := expand(n.Value, d.lookupEnv)
	var x *yaml.Node
	switch {
	case err != nil:
		err.Path, err.Line = path, n.Line
		d.errs = append(d.errs, err)
	case v == n.Value:
		x = n
	default:
		c := *n
		c.Value = v
		if n.Style == 0 { // plain and untagged: resolve the new text
			c.Tag = ""
		}
		x = &c
	}
	d.expanded[n] = x
	return x
}
