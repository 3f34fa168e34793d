// SPDX-License-Identifier: Apache-2.0

package browsertest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	fx "github.com/plugtrace/plugtrace/traceview/internal/fixture"
)

// The browser tests drive the real UI in headless Chromium (Debian package
// chromium). Without it they skip, except on CI (CI=true), which installs
// it: there a missing browser must fail, not pass silently.
//
// Screenshots go to $PLUGTRACE_ARTIFACTS, or to testdata/artifacts.

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; CI must install the Debian package chromium")
	}
	t.Skip("chromium is not installed (apt-get install chromium); skipping the browser test")
	return ""
}

// browser starts a headless Chromium for one test and returns its context.
// Everything stops when the test ends: the tab, the browser process, and its
// temporary profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromiumPath(t)

	// One deadline for the whole test: a hung browser fails it, it does
	// not hang the suite.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.WindowSize(1440, 900),
		// No UserDataDir: the allocator makes a fresh temporary profile
		// and removes it, and any leftover process, when it stops.
	)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))

	// Collect what the page writes to the console: an exception, a missing
	// asset or a request the Content-Security-Policy blocked fails the test.
	// The API's 400 and 404 answers are expected where the test asks for
	// them, and the page shows them; the browser logs them too.
	var (
		mu       sync.Mutex
		messages []string
	)
	console := chromedp.Console(bctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Source == "network" && strings.Contains(m.URL, "/traces/api/") {
				continue
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning {
				mu.Lock()
				messages = append(messages, fmt.Sprintf("%s (%s)", m, m.URL))
				mu.Unlock()
			}
		}
	}()

	t.Cleanup(func() {
		cancelBrowser() // closes the browser
		cancelAlloc()   // and waits until the process has exited
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, m := range messages {
			t.Errorf("browser console: %s", m)
		}
	})
	return bctx
}

// run runs actions and fails the test with step in the message.
func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

func evaluate[T any](t *testing.T, ctx context.Context, step, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv("PLUGTRACE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// waterfallRow is what the test reads back from a row of the waterfall.
type waterfallRow struct {
	SpanID   string  `json:"spanId"`
	ParentID string  `json:"parentSpanId"`
	Depth    int     `json:"depth"`
	Name     string  `json:"name"`
	Service  string  `json:"service"`
	Error    bool    `json:"error"`
	Badge    bool    `json:"badge"`
	BarLeft  float64 `json:"barLeft"`
	BarWidth float64 `json:"barWidth"`
}

const readWaterfall = `[...document.querySelectorAll('#span-rows .span-row')].map((row) => {
	const bar = row.querySelector('.bar').getBoundingClientRect();
	const track = row.querySelector('.wf-track').getBoundingClientRect();
	return {
		spanId: row.dataset.spanId,
		parentSpanId: row.dataset.parentSpanId,
		depth: Number(row.dataset.depth),
		name: row.querySelector('.span-name').textContent,
		service: row.dataset.service,
		error: row.classList.contains('error'),
		badge: row.querySelector('.error-badge') !== null,
		barLeft: (bar.left - track.left) / track.width,
		barWidth: bar.width / track.width,
	};
})`

// A person opens the list, clicks the weather request, sees every span of
// it across both processes, and opens the failing span.
func TestBrowserListAndWaterfall(t *testing.T) {
	s := fx.NewStore(t, 1000)
	stubs := fx.WeatherTrace(1, fx.BaseTime)
	fx.Export(t, s, stubs[fx.SpanUpstream], stubs[fx.SpanFetch], stubs[fx.SpanGRPCServer]) // the relay's batch
	fx.Export(t, s, stubs[fx.SpanGRPCClient], stubs[fx.SpanHTTPServer])                    // the host's
	fx.Export(t, s,
		fx.NewSpan(2, 0, -1, "GET /api/todos/", fx.BaseTime.Add(time.Second), 6*time.Millisecond, fx.Kind(2)),
		fx.NewSpan(2, 1, 0, "list todos", fx.BaseTime.Add(time.Second+time.Millisecond), 4*time.Millisecond, fx.Plugin("todos")))
	fx.Export(t, s,
		fx.NewSpan(3, 0, -1, "POST /api/todos/", fx.BaseTime.Add(2*time.Second), 3*time.Millisecond, fx.Kind(2)),
		fx.NewSpan(3, 1, 0, "create todo", fx.BaseTime.Add(2*time.Second), 2*time.Millisecond, fx.Plugin("todos"), fx.Failed("title is empty")))
	// Trace 4 is partial: its root never came (or was evicted), and one
	// span's parent is missing too. Siblings arrive out of order.
	ms := time.Millisecond
	fx.Export(t, s,
		fx.NewSpan(4, 3, 1, "sibling second", fx.BaseTime.Add(3*time.Second+2*ms), 3*ms),
		fx.NewSpan(4, 4, 3, "grandchild", fx.BaseTime.Add(3*time.Second+3*ms), ms),
		fx.NewSpan(4, 1, 0, "orphan parent", fx.BaseTime.Add(3*time.Second), 8*ms),
		fx.NewSpan(4, 2, 1, "sibling first", fx.BaseTime.Add(3*time.Second+ms), ms),
		fx.NewSpan(4, 5, 9, "another orphan", fx.BaseTime.Add(3*time.Second+4*ms), 2*ms))
	srv := fx.Serve(t, s)
	ctx := browser(t)
	id := fx.TraceID(1).String()

	// The list: every trace, newest first, with its plugins.
	run(t, ctx, "open the list",
		chromedp.Navigate(srv.URL+"/traces/"),
		chromedp.WaitVisible(chromedp.CSS(`tr.trace-row[data-trace-id="`+id+`"]`)))
	listed := evaluate[[]string](t, ctx, "read the list", `[...document.querySelectorAll('tr.trace-row')].map((r) => r.dataset.traceId)`)
	if want := []string{fx.TraceID(4).String(), fx.TraceID(3).String(), fx.TraceID(2).String(), id}; !slices.Equal(listed, want) {
		t.Errorf("listed traces %v, want %v", listed, want)
	}
	rowText := evaluate[string](t, ctx, "read the row", `document.querySelector('tr.trace-row[data-trace-id="`+id+`"]').innerText`)
	for _, want := range []string{"GET /api/weather/forecast", "weather", "48 ms", "5"} {
		if !strings.Contains(rowText, want) {
			t.Errorf("the row of the weather trace, %q, does not show %q", rowText, want)
		}
	}
	saveScreenshot(t, ctx, "traceview-list.png")

	// The filters reach the API and stay in the address.
	run(t, ctx, "filter by plugin",
		chromedp.SendKeys(chromedp.ID("filter-plugin"), "todos"),
		chromedp.Click(chromedp.ID("apply")),
		chromedp.WaitNotPresent(chromedp.CSS(`tr.trace-row[data-trace-id="`+id+`"]`)))
	filtered := evaluate[[]string](t, ctx, "read the filtered list", `[...document.querySelectorAll('tr.trace-row')].map((r) => r.dataset.traceId)`)
	if want := []string{fx.TraceID(3).String(), fx.TraceID(2).String()}; !slices.Equal(filtered, want) {
		t.Errorf("plugin=todos lists %v, want %v", filtered, want)
	}
	if loc := evaluate[string](t, ctx, "read the address", `location.search`); loc != "?plugin=todos" {
		t.Errorf("address query %q, want ?plugin=todos", loc)
	}
	run(t, ctx, "bad filter",
		chromedp.Navigate(srv.URL+"/traces/?minDuration=soon"),
		chromedp.WaitVisible(chromedp.CSS(`#message[data-kind="error"]`)))
	if msg := evaluate[string](t, ctx, "read the message", `document.getElementById('message').textContent`); !strings.Contains(msg, "minDuration") {
		t.Errorf("a bad filter shows %q, want the API's error about minDuration", msg)
	}

	// Click the row (not its link): the waterfall opens.
	run(t, ctx, "open the trace",
		chromedp.Navigate(srv.URL+"/traces/"),
		chromedp.Click(chromedp.CSS(`tr.trace-row[data-trace-id="`+id+`"] td.span-count`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-loaded="true"] #span-rows .span-row`)))
	if loc := evaluate[string](t, ctx, "read the address", `location.pathname`); loc != "/traces/trace/"+id {
		t.Errorf("after the click, at %s, want /traces/trace/%s", loc, id)
	}

	rows := evaluate[[]waterfallRow](t, ctx, "read the waterfall", readWaterfall)
	if len(rows) != len(stubs) {
		t.Fatalf("the waterfall has %d rows, want one per span: %d", len(rows), len(stubs))
	}
	// The trace is a chain, so tree order is the stubs' order, one level
	// deeper each time.
	for i, stub := range stubs {
		r := rows[i]
		if r.SpanID != stub.SpanContext.SpanID().String() || r.Name != stub.Name || r.Depth != i {
			t.Errorf("row %d: %s %q depth %d; want %s %q depth %d", i, r.SpanID, r.Name, r.Depth,
				stub.SpanContext.SpanID(), stub.Name, i)
		}
		wantService := "plugtrace"
		if i >= fx.SpanGRPCServer {
			wantService = "weather"
		}
		if r.Service != wantService {
			t.Errorf("row %d (%s): service %q, want %q", i, r.Name, r.Service, wantService)
		}
		wantErr := i == fx.SpanUpstream
		if r.Error != wantErr || r.Badge != wantErr {
			t.Errorf("row %d (%s): error %v, badge %v; want %v", i, r.Name, r.Error, r.Badge, wantErr)
		}
		// Bars sit on the time axis: the span's offset and length over the
		// trace's 48ms.
		wantLeft := float64(stub.StartTime.Sub(fx.BaseTime)) / float64(48*time.Millisecond)
		wantWidth := float64(stub.EndTime.Sub(stub.StartTime)) / float64(48*time.Millisecond)
		if diff(r.BarLeft, wantLeft) > 0.01 || diff(r.BarWidth, wantWidth) > 0.01 {
			t.Errorf("row %d (%s): bar at %.3f, width %.3f; want %.3f, %.3f", i, r.Name, r.BarLeft, r.BarWidth, wantLeft, wantWidth)
		}
	}

	// Click the failing span: its attributes, events and resource show.
	upstream := stubs[fx.SpanUpstream].SpanContext.SpanID().String()
	run(t, ctx, "select a span",
		chromedp.Click(chromedp.CSS(`.span-row[data-span-id="`+upstream+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#span-detail[data-span-id="`+upstream+`"]`)))
	table := func(id string) map[string]string {
		return evaluate[map[string]string](t, ctx, "read "+id, `Object.fromEntries([...document.querySelectorAll('#`+id+` tr[data-key]')].map((r) => [r.dataset.key, r.querySelector('td').textContent]))`)
	}
	attrs := table("span-attributes")
	wantAttrs := map[string]string{"plugtrace.plugin.id": "weather", "http.response.status_code": "503", "retry.backoff_s": "0.25"}
	if fmt.Sprint(attrs) != fmt.Sprint(wantAttrs) {
		t.Errorf("attributes panel %v, want %v", attrs, wantAttrs)
	}
	if res := table("span-resource"); res["service.name"] != "weather" || res["process.pid"] != "4242" {
		t.Errorf("resource panel %v", res)
	}
	events := evaluate[[]string](t, ctx, "read events", `[...document.querySelectorAll('#span-events .event')].map((e) => e.dataset.eventName)`)
	if !slices.Equal(events, []string{"exception"}) {
		t.Errorf("events panel %v, want [exception]", events)
	}
	summary := evaluate[string](t, ctx, "read summary", `document.getElementById('detail-summary').innerText`)
	if !strings.Contains(summary, "upstream answered 503") || !strings.Contains(summary, "client") {
		t.Errorf("span summary %q lacks the status message or kind", summary)
	}
	if hash := evaluate[string](t, ctx, "read the address", `location.hash`); hash != "#span="+upstream {
		t.Errorf("address hash %q, want #span=%s", hash, upstream)
	}
	saveScreenshot(t, ctx, "traceview-waterfall.png")

	// A link with the span selected opens with the panel shown.
	run(t, ctx, "reload with the span",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#span-detail[data-span-id="`+upstream+`"]`)))

	// A partial trace shows every span: those whose parent is missing at
	// the top level, marked, and siblings by start time.
	run(t, ctx, "open a partial trace",
		chromedp.Navigate(srv.URL+"/traces/trace/"+fx.TraceID(4).String()),
		chromedp.WaitVisible(chromedp.CSS(`body[data-loaded="true"] #span-rows .span-row`)))
	var tree []string
	for _, r := range evaluate[[]waterfallRow](t, ctx, "read the partial waterfall", readWaterfall) {
		tree = append(tree, fmt.Sprintf("%d %s", r.Depth, r.Name))
	}
	if want := []string{"0 orphan parent", "1 sibling first", "1 sibling second", "2 grandchild", "0 another orphan"}; !slices.Equal(tree, want) {
		t.Errorf("partial trace rows %q, want %q", tree, want)
	}
	if n := evaluate[int](t, ctx, "count tags", `document.querySelectorAll('#span-rows .span-row .tag').length`); n != 2 {
		t.Errorf("%d rows marked as missing their parent, want 2", n)
	}
	if title := evaluate[string](t, ctx, "read the title", `document.getElementById('trace-title').textContent`); title != "orphan parent" {
		t.Errorf("partial trace: title %q, want the earliest span's name", title)
	}

	// An unknown trace says so.
	run(t, ctx, "open an unknown trace",
		chromedp.Navigate(srv.URL+"/traces/trace/"+fx.TraceID(99).String()),
		chromedp.WaitVisible(chromedp.CSS(`#message[data-kind="error"]`)))
	if title := evaluate[string](t, ctx, "read the title", `document.getElementById('trace-title').textContent`); title != "Trace not found" {
		t.Errorf("unknown trace: title %q", title)
	}
}

func diff(a, b float64) float64 {
	if a > b {
		return a - b
	}
	return b - a
}
