// SPDX-License-Identifier: Apache-2.0

package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// entry is one key and its value in a mapping.
type entry struct {
	key   string
	line  int // of the key
	value *yaml.Node
}

// entries lists the keys of mapping n, with the keys of merged mappings
// (<<: *anchor, or a list of them) that n does not set itself. A key given
// twice is an error.
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
		key := k.Value
		switch {
		case k.Kind != yaml.ScalarNode:
			d.fail(path, k.Line, fmt.Sprintf("%s is not a valid key", describe(k, field{})), "keys are strings")
			continue
		case k.ShortTag() == "!!merge":
			merges = append(merges, v)
			continue
		case k.ShortTag() == "!!null":
			key = ""
		}
		if first, dup := seen[key]; dup {
			d.fail(childPath(path, key), k.Line, "key given twice", fmt.Sprintf("it is first given on line %d; keep one", first))
			continue
		}
		seen[key] = k.Line
		out = append(out, entry{key, k.Line, v})
	}
	// Keys of earlier merged mappings win over later ones, and n's own keys
	// over all of them. (yaml itself would merge only the last <<.)
	for _, m := range merges {
		sources := []*yaml.Node{m}
		if r := resolveAlias(m); r.Kind == yaml.SequenceNode {
			sources = r.Content
		}
		for _, src := range sources {
			r := resolveAlias(src)
			if r.Kind != yaml.MappingNode {
				d.fail(childPath(path, "<<"), src.Line, fmt.Sprintf("%s cannot be merged", describe(r, field{})),
					"<< takes a mapping or a list of mappings")
				continue
			}
			for _, e := range d.entries(r, path) {
				if _, ok := seen[e.key]; !ok {
					seen[e.key] = e.line
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// resolveAlias follows n to the node it aliases, if it is an alias. An
// alias never names another alias: YAML gives aliases no anchors.
func resolveAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}
