// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"io"
	"time"

	"github.com/plugtrace/plugtrace/auth"
)

func token(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token", "plugtrace token --user REF [--config FILE] [--ttl DURATION]", stderr)
	user := fs.String("user", "", "user entity `REF`, e.g. user:default/alice")
	file := fs.String("config", "", "config `FILE` whose backend.auth.userTokens.secret signs the token; default: the demo config")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *user == "" {
		return usageErr("token: --user REF is required, e.g. --user user:default/alice")
	}
	if err := auth.ValidateUserEntityRef(*user); err != nil {
		return usageErr("token: --user: %v", err)
	}
	cfg, err := loadConfig(*file)
	if err != nil {
		return err
	}
	secret := cfg.Backend.Auth.UserTokens.Secret
	if secret == "" {
		return usageErr("token: backend.auth.userTokens.secret is not set in the config; user tokens cannot be signed")
	}
	tok, err := auth.MintUserToken([]byte(secret), *user, *ttl, time.Now())
	if err != nil {
		return &exitError{2, err}
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
