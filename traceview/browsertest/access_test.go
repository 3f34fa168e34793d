// SPDX-License-Identifier: Apache-2.0

package browsertest_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plugtrace/plugtrace/traceview"
	fx "github.com/plugtrace/plugtrace/traceview/internal/fixture"
)

// A person opens a viewer that is not public: the browser is sent to sign
// in, the token lets it in, and signing out closes the viewer again. The
// cookie that keeps the browser signed in is out of the page's reach.
func TestBrowserSignIn(t *testing.T) {
	s := fx.NewStore(t, 1000)
	fx.Export(t, s, fx.WeatherTrace(1, fx.BaseTime)...)
	srv := fx.Serve(t, s, traceview.WithAuthenticator(fx.Authenticator(t)), traceview.WithViewers("user:default/alice"))
	ctx := browser(t)
	token := fx.UserToken(t, "user:default/alice")
	id := fx.TraceID(1).String()

	run(t, ctx, "open the viewer",
		chromedp.Navigate(srv.URL+"/traces/"),
		chromedp.WaitVisible(chromedp.ID("token")))
	if loc := evaluate[string](t, ctx, "read the address", `location.pathname`); loc != "/traces/login" {
		t.Errorf("a browser that is not signed in is at %s, want /traces/login", loc)
	}
	if n := evaluate[int](t, ctx, "look for traces", `document.querySelectorAll('tr.trace-row').length`); n != 0 {
		t.Errorf("the sign-in page shows %d traces", n)
	}
	saveScreenshot(t, ctx, "traceview-login.png")

	run(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.CSS(`tr.trace-row[data-trace-id="`+id+`"]`)))
	if loc := evaluate[string](t, ctx, "read the address", `location.pathname`); loc != "/traces/" {
		t.Errorf("after signing in, at %s, want /traces/", loc)
	}
	// The list loaded through the cookie, which the page cannot read.
	if cookies := evaluate[string](t, ctx, "read the cookies", `document.cookie`); cookies != "" {
		t.Errorf("document.cookie = %q, want nothing: the session cookie is HttpOnly", cookies)
	}
	if who := evaluate[string](t, ctx, "read who is signed in", `document.getElementById('signed-in-as').textContent`); who != "user:default/alice" {
		t.Errorf("signed in as %q, want user:default/alice", who)
	}
	if html := evaluate[string](t, ctx, "read the page", `document.documentElement.outerHTML`); strings.Contains(html, token) {
		t.Error("the page contains the token")
	}
	saveScreenshot(t, ctx, "traceview-signed-in.png")

	// A page opened afresh, the trace here, stays signed in.
	run(t, ctx, "open the trace",
		chromedp.Click(chromedp.CSS(`tr.trace-row[data-trace-id="`+id+`"] a.trace-link`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-loaded="true"] #span-rows .span-row`)),
		chromedp.WaitVisible(chromedp.ID("sign-out")))

	run(t, ctx, "sign out",
		chromedp.Click(chromedp.ID("sign-out")),
		chromedp.WaitVisible(chromedp.ID("token")))
	if loc := evaluate[string](t, ctx, "read the address", `location.pathname`); loc != "/traces/login" {
		t.Errorf("after signing out, at %s, want /traces/login", loc)
	}
	run(t, ctx, "open the viewer again",
		chromedp.Navigate(srv.URL+"/traces/trace/"+id),
		chromedp.WaitVisible(chromedp.ID("token")))
	if loc := evaluate[string](t, ctx, "read the address", `location.pathname + location.search`); loc != "/traces/login?next=%2Ftraces%2Ftrace%2F"+id {
		t.Errorf("after signing out, the trace leads to %s, want the sign-in page", loc)
	}
}

// linkItem is what the test reads back from a link in the span panel.
type linkItem struct {
	TraceID string            `json:"traceId"`
	SpanID  string            `json:"spanId"`
	Href    string            `json:"href"`
	Text    string            `json:"text"`
	Attrs   map[string]string `json:"attrs"`
}

const readLinks = `[...document.querySelectorAll('#span-links .link')].map((li) => ({
	traceId: li.dataset.traceId,
	spanId: li.dataset.spanId,
	href: li.querySelector('a.link-target').getAttribute('href'),
	text: li.innerText,
	attrs: Object.fromEntries([...li.querySelectorAll('tr[data-key]')].map((r) => [r.dataset.key, r.querySelector('td').textContent])),
}))`

// The span panel lists a span's links; following one opens the linked span,
// in this trace or in another.
func TestBrowserSpanLinks(t *testing.T) {
	s := fx.NewStore(t, 1000)
	fx.Export(t, s, fx.WeatherTrace(1, fx.BaseTime)...)
	linked := fx.LinkedTrace(2, fx.BaseTime.Add(time.Second), 1)
	fx.Export(t, s, linked...)
	srv := fx.Serve(t, s)
	ctx := browser(t)
	weather, here := fx.TraceID(1).String(), fx.TraceID(2).String()
	retry := fx.SpanID(2, fx.SpanLinkedRetry).String()
	root := fx.SpanID(2, fx.SpanLinkedRoot).String()
	upstream := fx.SpanID(1, fx.SpanUpstream).String()

	run(t, ctx, "open the span with links",
		chromedp.Navigate(srv.URL+"/traces/trace/"+here+"#span="+retry),
		chromedp.WaitVisible(chromedp.CSS(`#span-detail[data-span-id="`+retry+`"] #span-links .link`)))
	links := evaluate[[]linkItem](t, ctx, "read the links", readLinks)
	if len(links) != 2 {
		t.Fatalf("the panel shows %d links, want 2: %+v", len(links), links)
	}
	if l := links[0]; l.TraceID != here || l.SpanID != root || l.Href != "/traces/trace/"+here+"#span="+root ||
		!strings.Contains(l.Text, root) || !strings.Contains(l.Text, "this trace") || len(l.Attrs) != 0 {
		t.Errorf("link to the root: %+v", l)
	}
	if l := links[1]; l.TraceID != weather || l.SpanID != upstream || l.Href != "/traces/trace/"+weather+"#span="+upstream ||
		!strings.Contains(l.Text, upstream) || !strings.Contains(l.Text, weather) ||
		l.Attrs["retry.attempt"] != "2" || l.Attrs["retry.last"] != "true" {
		t.Errorf("link to the weather trace: %+v", l)
	}
	if n := evaluate[string](t, ctx, "read the count", `document.getElementById('link-count').textContent`); n != "(2)" {
		t.Errorf("link count %q, want (2)", n)
	}
	saveScreenshot(t, ctx, "traceview-links.png")

	// A link within the trace selects the span on the same page.
	run(t, ctx, "follow the link within the trace",
		chromedp.Click(chromedp.CSS(`#span-links .link[data-span-id="`+root+`"] a.link-target`)),
		chromedp.WaitVisible(chromedp.CSS(`#span-detail[data-span-id="`+root+`"]`)))
	if sel := evaluate[[]string](t, ctx, "read the selection", `[...document.querySelectorAll('.span-row.selected')].map((r) => r.dataset.spanId)`); !slices.Equal(sel, []string{root}) {
		t.Errorf("selected rows %v, want the root %s", sel, root)
	}
	rootLinks := evaluate[[]linkItem](t, ctx, "read the root's links", readLinks)
	if len(rootLinks) != 1 || rootLinks[0].Attrs["plugtrace.link.reason"] != "untrusted caller" {
		t.Errorf("the root's links: %+v", rootLinks)
	}

	// A link to another trace opens that trace, with the span selected.
	run(t, ctx, "follow the link to the weather trace",
		chromedp.Click(chromedp.CSS(`.span-row[data-span-id="`+retry+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#span-detail[data-span-id="`+retry+`"]`)),
		chromedp.Click(chromedp.CSS(`#span-links .link[data-span-id="`+upstream+`"] a.link-target`)),
		chromedp.WaitVisible(chromedp.CSS(`#span-detail[data-span-id="`+upstream+`"]`)))
	if loc := evaluate[string](t, ctx, "read the address", `location.pathname + location.hash`); loc != "/traces/trace/"+weather+"#span="+upstream {
		t.Errorf("after following the link, at %s, want the weather trace with the upstream span", loc)
	}
	if name := evaluate[string](t, ctx, "read the span", `document.getElementById('detail-name').textContent`); name != "GET" {
		t.Errorf("the panel shows %q, want the upstream call GET", name)
	}
	if n := evaluate[string](t, ctx, "read the count", `document.getElementById('link-count').textContent`); n != "(0)" {
		t.Errorf("the upstream span's link count %q, want (0)", n)
	}
}
