package config

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The work of decoding one document is bounded, so that aliases that
// expand exponentially ("billion laughs") fail fast instead of exhausting
// time and memory: a document of n nodes may take decodeStepsPerNode*n +
// minDecodeSteps steps, which aliases and merge keys in real configurations
// never approach.
const (
	decodeStepsPerNode = 10
	minDecodeSteps     = 10_000
)

// decoder turns a YAML node tree into a Config. It works on the tree rather
// than through yaml's reflection decoder so that every error names the full
// key path, ${VAR} references are expanded value by value (a value can
// never inject YAML structure), and it knows which keys the YAML set.
type decoder struct {
	lookupEnv func(string) (string, bool)

	// lines maps the path of every key the YAML gave a non-null value to
	// the line of that key (for list elements: of the element).
	lines map[string]int
	// nulls maps the path of every key the YAML gave a null value (`key:`
	// or `key: ~`) to its line. A null value leaves the key unset.
	nulls map[string]int

	errs     []*Error
	expanded map[*yaml.Node]*yaml.Node // nil value: expansion failed
	active   map[*yaml.Node]bool       // mappings being listed, to catch merge cycles
	steps    int                       // steps left; see decodeStepsPerNode
}

// newDecoder returns a decoder for the document whose root is root.
func newDecoder(root *yaml.Node, lookupEnv func(string) (string, bool)) *decoder {
	return &decoder{
		lookupEnv: lookupEnv,
		lines:     map[string]int{},
		nulls:     map[string]int{},
		expanded:  map[*yaml.Node]*yaml.Node{},
		active:    map[*yaml.Node]bool{},
		steps:     decodeStepsPerNode*countNodes(root) + minDecodeSteps,
	}
}

// countNodes counts the nodes of the tree at n, without following aliases.
func countNodes(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	c := 1
	for _, child := range n.Content {
		c += countNodes(child)
	}
	return c
}

// step spends k steps of the budget. Once the budget is spent it reports
// false, after one error.
func (d *decoder) step(k int, n *yaml.Node) bool {
	if d.steps < 0 {
		return false
	}
	if d.steps -= k; d.steps < 0 {
		d.fail("", n.Line, "aliases expand the document to too many values", "use fewer aliases")
		return false
	}
	return true
}

func (d *decoder) fail(path string, line int, problem, hint string) {
	d.errs = append(d.errs, &Error{Path: path, Line: line, Problem: problem, Hint: hint})
}

// field describes how a value is decoded, from the `config` struct tag of
// the field that holds it.
type field struct {
	secret       bool // never shown; masked by Redacted
	scalarOrList bool // a []string that also accepts a single name
}

func fieldOf(f reflect.StructField, parent field) field {
	out := field{secret: parent.secret}
	for opt := range strings.SplitSeq(f.Tag.Get("config"), ",") {
		switch opt {
		case "secret":
			out.secret = true
		case "scalarOrList":
			out.scalarOrList = true
		}
	}
	return out
}

// yamlName is the YAML key of a struct field, or "" for none.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// decode stores the YAML node n in v. n is not null.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, f field) {
	// An alias cannot recurse for ever: each level of the Config type is
	// one level down the tree, and the types end.
	n = resolveAlias(n)
	if !d.step(1, n) {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path, f)
	case reflect.Map:
		d.decodeMap(n, v, path, f)
	case reflect.Slice:
		d.decodeSlice(n, v, path, f)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), path, f)
		v.Set(p)
	default:
		d.decodeScalar(n, v, path, f)
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, f field) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, path, "a mapping", f)
		return
	}
	t := v.Type()
	byName := map[string]int{}
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			byName[name] = i
		}
	}
	for _, e := range d.entries(n, path) {
		p := childPath(path, e.key)
		i, ok := byName[e.key]
		if !ok {
			d.unknownKey(p, e.keyNode.Line, e.key, path, byName)
			continue
		}
		if d.isNull(e.value, p) {
			d.nulls[p] = e.keyNode.Line
			continue
		}
		d.lines[p] = e.keyNode.Line
		d.decode(e.value, v.Field(i), p, fieldOf(t.Field(i), f))
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string, f field) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, path, "a mapping", f)
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	et := v.Type().Elem()
	for _, e := range d.entries(n, path) {
		p := childPath(path, e.key)
		ev := reflect.New(et).Elem()
		if d.isNull(e.value, p) {
			d.nulls[p] = e.keyNode.Line // the key is there, with a zero value
		} else {
			d.lines[p] = e.keyNode.Line
			d.decode(e.value, ev, p, f)
		}
		v.SetMapIndex(reflect.ValueOf(e.key), ev)
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string, f field) {
	if n.Kind == yaml.ScalarNode && f.scalarOrList {
		p := indexPath(path, 0)
		d.lines[p] = n.Line
		ev := reflect.New(v.Type().Elem()).Elem()
		d.decode(n, ev, p, f)
		v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), ev))
		return
	}
	if n.Kind != yaml.SequenceNode {
		want := "a list"
		if f.scalarOrList {
			want = "a name or a list of names"
		}
		d.typeError(n, path, want, f)
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		p := indexPath(path, i)
		d.lines[p] = c.Line
		if !d.isNull(c, p) {
			d.decode(c, s.Index(i), p, f)
		}
	}
	v.Set(s)
}

// scalarKinds names the kinds of scalar a Config holds, for type errors.
var scalarKinds = map[reflect.Kind]string{
	reflect.String:  "a string",
	reflect.Bool:    "a boolean (true or false)",
	reflect.Int:     "an integer",
	reflect.Float64: "a number",
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string, f field) {
	want := scalarKinds[v.Kind()]
	if want == "" {
		panic("config: no decoder for " + v.Type().String()) // a new field type in config.go
	}
	if n.Kind != yaml.ScalarNode {
		d.typeError(n, path, want, f)
		return
	}
	x := d.expand(n, path)
	if x == nil {
		return
	}
	switch v.Kind() {
	case reflect.String:
		s := x.Value
		if x.ShortTag() == "!!binary" && x.Decode(&s) != nil {
			break
		}
		v.SetString(s)
		return
	case reflect.Bool:
		var b bool
		if x.Decode(&b) == nil {
			v.SetBool(b)
			return
		}
	case reflect.Int:
		var a any
		if x.Decode(&a) == nil {
			if i, ok := toInt(a); ok && !v.OverflowInt(i) {
				v.SetInt(i)
				return
			}
		}
	case reflect.Float64:
		var fl float64
		if x.Decode(&fl) == nil {
			v.SetFloat(fl)
			return
		}
	}
	d.typeError(x, path, want, f)
}

// toInt converts what yaml resolved a number to into an int, if it is a
// whole number that fits.
func toInt(a any) (int64, bool) {
	switch a := a.(type) {
	case int:
		return int64(a), true
	case int64:
		return a, true
	case uint64:
		return int64(a), a <= math.MaxInt64
	case float64:
		return int64(a), a == math.Trunc(a) && a >= math.MinInt64 && a < math.MaxInt64
	}
	return 0, false
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
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		if n.Alias != nil {
			return describe(n.Alias, f)
		}
	}
	if f.secret {
		return secretText(n.Value)
	}
	return fmt.Sprintf("%q", n.Value)
}

func (d *decoder) unknownKey(path string, line int, key, parent string, known map[string]int) {
	names := make([]string, 0, len(known))
	for name := range known {
		names = append(names, name)
	}
	slices.Sort(names)
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

// entry is one key and its value in a mapping.
type entry struct {
	key     string
	keyNode *yaml.Node
	value   *yaml.Node
}

// entries lists the keys of mapping n, with the keys of merged mappings
// (<<: *anchor) that n does not set itself. A key given twice is an error.
func (d *decoder) entries(n *yaml.Node, path string) []entry {
	if !d.step(1+len(n.Content)/2, n) {
		return nil
	}
	if d.active[n] {
		d.fail(path, n.Line, "a mapping contains itself", "")
		return nil
	}
	d.active[n] = true
	defer delete(d.active, n)

	var out []entry
	seen := map[string]int{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolveAlias(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(path, k.Line, fmt.Sprintf("%s is not a valid key", describe(k, field{})), "keys are strings")
			continue
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key := k.Value
		if k.ShortTag() == "!!null" {
			key = ""
		}
		if first, dup := seen[key]; dup {
			d.fail(childPath(path, key), k.Line, "key given twice", fmt.Sprintf("it is first given on line %d; keep one", first))
			continue
		}
		seen[key] = k.Line
		out = append(out, entry{key: key, keyNode: k, value: v})
	}
	// Keys of earlier merged mappings win over later ones, and n's own keys
	// over all of them.
	for _, m := range merges {
		for _, src := range d.mergeSources(m, path) {
			for _, e := range d.entries(src, path) {
				if _, ok := seen[e.key]; !ok {
					seen[e.key] = e.keyNode.Line
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// mergeSources returns the mappings a merge key's value m names: one
// mapping, or a list of them.
func (d *decoder) mergeSources(m *yaml.Node, path string) []*yaml.Node {
	list := []*yaml.Node{m}
	if r := resolveAlias(m); r.Kind == yaml.SequenceNode {
		list = r.Content
	}
	var out []*yaml.Node
	for _, c := range list {
		r := resolveAlias(c)
		if r.Kind != yaml.MappingNode {
			d.fail(childPath(path, "<<"), c.Line, fmt.Sprintf("%s cannot be merged", describe(r, field{})),
				"<< takes a mapping or a list of mappings")
			continue
		}
		out = append(out, r)
	}
	return out
}

// resolveAlias follows n to the node it aliases, if it is an alias.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is a null value (`key:`, `key: ~`, `key: null`,
// or a plain ${VAR} that expands to nothing).
func (d *decoder) isNull(n *yaml.Node, path string) bool {
	n = resolveAlias(n)
	if n.Kind != yaml.ScalarNode {
		return n.Kind == 0
	}
	x := d.expand(n, path)
	return x != nil && x.ShortTag() == "!!null"
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
