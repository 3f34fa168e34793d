// SPDX-License-Identifier: Apache-2.0

package browsertest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test stops its browser: no goroutine of chromedp may outlive it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
