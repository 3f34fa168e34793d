// SPDX-License-Identifier: Apache-2.0

package host

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// logged writes the plugin's output through a pluginLog, in pieces of at
// most chunk bytes, and returns the records as JSON objects.
func logged(t *testing.T, chunk int, output string) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	l := &pluginLog{logger: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug - 4})).With("plugin_id", "weather"), name: "plugin.weather"}
	for b := []byte(output); len(b) > 0; {
		n := min(chunk, len(b))
		if _, err := l.Write(b[:n]); err != nil {
			t.Fatal(err)
		}
		b = b[n:]
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		out = append(out, rec)
	}
	return out
}

func TestPluginLogLines(t *testing.T) {
	const sdkLine = `{"@timestamp":"2026-12-01T10:00:00.000000Z","@level":"info","@message":"forecast served","plugin_id":"weather","city":"Paris","n":3,"ok":true,"none":null,"trace_id":"abc"}`
	for _, chunk := range []int{1, 7, 1 << 20} {
		recs := logged(t, chunk, sdkLine+"\n"+
			`{"@level":"warn","@message":"nested","@timestamp":"2026-12-01T10:00:00.000000Z","obj":{"a":1},"list":[1,2]}`+"\n"+
			`{"@level":"error","@message":"esc\"aped","@timestamp":"2026-12-01T10:00:00.000000Z","path":"a\\b"}`+"\n"+
			`{"@message":"no level"}`+"\n"+
			`{"@level":"info","@message":"bad time","@timestamp":"yesterday"}`+"\n"+
			"[WARN] prefixed\nplain text\npanic: boom\ngoroutine 1 [running]:\n")
		if len(recs) != 9 {
			t.Fatalf("chunk %d: %d records: %v", chunk, len(recs), recs)
		}
		first := recs[0]
		want := map[string]any{"level": "INFO", "msg": "forecast served", "plugin_id": "weather", "logger": "plugin.weather",
			"city": "Paris", "n": 3.0, "ok": true, "none": nil, "trace_id": "abc", "timestamp": "2026-12-01T10:00:00.000Z"}
		for k, v := range want {
			if first[k] != v {
				t.Errorf("chunk %d: %s = %#v, want %#v (record %v)", chunk, k, first[k], v, first)
			}
		}
		if recs[1]["level"] != "WARN" || recs[1]["obj"].(map[string]any)["a"] != 1.0 || len(recs[1]["list"].([]any)) != 2 {
			t.Errorf("nested values: %v", recs[1])
		}
		if recs[2]["level"] != "ERROR" || recs[2]["msg"] != `esc"aped` || recs[2]["path"] != `a\b` {
			t.Errorf("escapes: %v", recs[2])
		}
		for i, c := range []struct{ level, msg string }{
			{"DEBUG", `{"@message":"no level"}`},
			{"DEBUG", `{"@level":"info","@message":"bad time","@timestamp":"yesterday"}`},
			{"WARN", "[WARN] prefixed"},
			{"DEBUG", "plain text"},
			{"ERROR", "panic: boom"},
			{"ERROR", "goroutine 1 [running]:"},
		} {
			if r := recs[3+i]; r["level"] != c.level || r["msg"] != c.msg || r["logger"] != "plugin.weather" {
				t.Errorf("chunk %d: record %d %v, want %s %q", chunk, 3+i, r, c.level, c.msg)
			}
		}
	}
}

func TestPluginLogLongLine(t *testing.T) {
	long := strings.Repeat("x", maxLogLine+10)
	recs := logged(t, 4096, long+"\nnext\n")
	if len(recs) != 3 || len(recs[0]["msg"].(string)) != maxLogLine || recs[1]["msg"] != "xxxxxxxxxx" || recs[2]["msg"] != "next" {
		t.Fatalf("%d records", len(recs))
	}
}

func TestHCLogAdapterQuietChild(t *testing.T) {
	a := newHCLogAdapter(slog.New(slog.NewTextHandler(io.Discard, nil)), "plugin", "weather")
	if a.Named("weather").GetLevel() != hclog.Off || a.Named("weather").IsError() {
		t.Fatal("go-plugin's logger of the plugin's stderr is not off")
	}
	if !a.Named("other").IsError() || a.GetLevel() != hclog.Info {
		t.Fatal("the adapter's other loggers are off")
	}
}
