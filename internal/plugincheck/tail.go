// SPDX-License-Identifier: Apache-2.0

package plugincheck

import (
	"bytes"
	"sync"
)

// lineTail is an io.Writer that keeps the last lines written to it: the
// plugin's stderr, and go-plugin's own records, to explain a failure.
type lineTail struct {
	max int // lines kept

	mu      sync.Mutex
	lines   []string
	partial []byte
}

// maxLine bounds one kept line.
const maxLine = 512

func (t *lineTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.partial = append(t.partial, p[:min(len(p), maxLine-len(t.partial))]...)
			break
		}
		t.partial = append(t.partial, p[:min(i, maxLine-len(t.partial))]...)
		t.push(string(t.partial))
		t.partial = t.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (t *lineTail) push(line string) {
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = append(t.lines[:0], t.lines[len(t.lines)-t.max:]...)
	}
}

// Lines returns the kept lines, the unfinished last one included.
func (t *lineTail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]string(nil), t.lines...)
	if len(t.partial) > 0 {
		out = append(out, string(t.partial))
	}
	return out
}
