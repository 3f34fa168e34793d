// SPDX-License-Identifier: Apache-2.0

package config

import (
	"fmt"
	"strings"
)

// expand replaces each ${NAME} in s with the value of the environment
// variable NAME, and each $${ with a literal ${. Any other $ is kept as it
// is. An unset variable, a malformed name and an unterminated ${ are
// errors; the returned *Error has no Path or Line yet.
func expand(s string, lookup func(string) (string, bool)) (string, *Error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' { // $${ is a literal ${
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", &Error{
				Problem: "${ has no closing }",
				Hint:    "write ${NAME}, or $${ for a literal ${",
			}
		}
		name := s[i+2 : i+end]
		if !validEnvName(name) {
			return "", &Error{
				// Not quoted: what stands between the braces may be part
				// of a secret value.
				Problem: fmt.Sprintf("the %s ${...} reference does not name a variable", ordinal(strings.Count(s[:i], "${")+1)),
				Hint:    "a name is letters, digits and _, not starting with a digit; write $${ for a literal ${",
			}
		}
		v, ok := lookup(name)
		if !ok {
			return "", &Error{
				Problem: fmt.Sprintf("environment variable %s is not set", name),
				Hint:    fmt.Sprintf("set %s, or write $${%s} for a literal ${%s}", name, name, name),
			}
		}
		b.WriteString(v)
		s = s[i+end+1:]
	}
}

// validEnvName reports whether name is a portable environment variable
// name: letters, digits and underscores, not starting with a digit.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func ordinal(n int) string {
	switch n {
	case 1:
		return "first"
	case 2:
		return "second"
	case 3:
		return "third"
	}
	return fmt.Sprintf("%dth", n)
}
