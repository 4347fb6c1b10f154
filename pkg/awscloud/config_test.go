package awscloud

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// isolateAWSEnv gives the test an empty HOME, no AWS_* variables and no instance metadata,
// then writes config (if not empty) as the shared config file. The SDK computes its default
// file paths from HOME once per process, so the files are named through AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE.
func isolateAWSEnv(t *testing.T, config string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	dir := filepath.Join(home, ".aws")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	if config != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

const secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

func TestLoadConfig(t *testing.T) {
	const ssoProfile = `[profile sso]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = ReadOnly
region = eu-west-1
`
	tests := []struct {
		name     string
		config   string
		env      map[string]string
		region   string
		profile  string
		wantErr  string // substring; "" means success
		wantRegi string
	}{
		{name: "no credentials", env: map[string]string{"AWS_REGION": "eu-west-1"}, wantErr: "no AWS credentials found; set AWS_PROFILE"},
		{name: "no region", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": secretKey}, wantErr: "--region"},
		{name: "unknown profile", region: "eu-west-1", profile: "nope", wantErr: `AWS profile "nope" is not defined`},
		{name: "SSO profile not logged in", config: ssoProfile, profile: "sso", wantErr: `aws sso login --profile sso`},
		{
			name: "environment credentials", region: "eu-central-1", wantRegi: "eu-central-1",
			env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_REGION": "us-east-1"},
		},
		{
			name: "region from environment", wantRegi: "us-west-2",
			env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_REGION": "us-west-2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWSEnv(t, tt.config)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := LoadConfig(context.Background(), tt.region, tt.profile)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("LoadConfig() succeeded, want error containing %q", tt.wantErr)
				}
				msg := err.Error()
				if !strings.Contains(msg, tt.wantErr) {
					t.Errorf("LoadConfig() error = %q, want it to contain %q (cause %v)", msg, tt.wantErr, errors.Unwrap(err))
				}
				if !oneSentence(msg) {
					t.Errorf("LoadConfig() error is not one sentence: %q", msg)
				}
				if strings.Contains(msg, secretKey) || strings.Contains(msg, "AKIAIOSFODNN7EXAMPLE") {
					t.Errorf("LoadConfig() error reveals a credential: %q", msg)
				}
				var explained *Error
				if !errors.As(err, &explained) {
					t.Errorf("LoadConfig() error is not an *Error: %T", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig() error = %v", err)
			}
			if cfg.Region != tt.wantRegi {
				t.Errorf("region = %q, want %q", cfg.Region, tt.wantRegi)
			}
			if _, ok := cfg.Retryer().(*retry.AdaptiveMode); !ok {
				t.Errorf("retryer = %T, want *retry.AdaptiveMode", cfg.Retryer())
			}
		})
	}
}
