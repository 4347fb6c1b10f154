package awscloud

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/smithy-go/logging"
)

// credentialsTimeout bounds the first credential retrieval, which may walk the whole
// default chain down to the instance metadata service.
const credentialsTimeout = 30 * time.Second

// LoadConfig loads the default AWS configuration chain (environment, shared config and
// credentials files, profiles, SSO, web identity, instance metadata), applying region and
// profile when they are not empty, with the adaptive retry mode. It checks that a region is
// set and that credentials can be retrieved; either failure is one sentence naming the fix,
// and no credential value ever appears in it. Endpoints are overridden only through the
// standard AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> variables, which the SDK reads.
func LoadConfig(ctx context.Context, region, profile string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return retry.NewAdaptiveMode() }),
		// The SDK logs warnings to stderr, which belongs to the command's own output.
		config.WithLogger(logging.Nop{}),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, explainLoadError(err, profile)
	}
	if cfg.Region == "" {
		return aws.Config{}, &Error{Message: "no AWS region configured; pass --region or set AWS_REGION (or a region in your AWS profile)"}
	}
	if cfg.Credentials == nil {
		return aws.Config{}, &Error{Message: noCredentials}
	}
	rctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(rctx); err != nil {
		return aws.Config{}, explainCredentialsError(err, profileName(profile))
	}
	return cfg, nil
}

// noCredentials is the sentence for a machine where the default chain finds nothing.
const noCredentials = `no AWS credentials found; set AWS_PROFILE (or pass --profile), export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run "aws sso login" for an SSO profile`

// explainLoadError restates a failure to read the shared configuration.
func explainLoadError(err error, profile string) error {
	var missing config.SharedConfigProfileNotExistError
	if errors.As(err, &missing) {
		name := missing.Profile
		if name == "" {
			name = profile
		}
		return &Error{
			Message: fmt.Sprintf(`AWS profile %q is not defined in ~/.aws/config or ~/.aws/credentials; check --profile and AWS_PROFILE, or create it with "aws configure --profile %s"`, name, name),
			Err:     err,
		}
	}
	return &Error{Message: "could not load the AWS configuration (" + firstLine(err) + "); check ~/.aws/config and the AWS_* environment variables", Err: err}
}

// explainCredentialsError restates a failed credential retrieval as one sentence.
func explainCredentialsError(err error, profile string) error {
	var sso *ssocreds.InvalidTokenError
	switch {
	case errors.As(err, &sso):
		return &Error{Message: fmt.Sprintf(`the AWS SSO session for profile %q has expired or was never started; run "aws sso login --profile %s"`, profile, profile), Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Message: "timed out fetching AWS credentials; check the network path to AWS (or to the instance metadata service) and the profile's credential settings", Err: err}
	case strings.Contains(err.Error(), "ec2imds") || strings.Contains(err.Error(), "IMDS"):
		// The chain fell through to the instance role: nothing else was configured.
		return &Error{Message: noCredentials, Err: err}
	}
	if msg := explainCode(errorCode(err), "sts:AssumeRole"); msg != "" {
		return &Error{Message: msg, Err: err}
	}
	return &Error{Message: fmt.Sprintf("could not get AWS credentials for profile %q (%s); check the profile's settings or run \"aws sso login\"", profile, firstLine(err)), Err: err}
}

// profileName is the profile the SDK uses: the explicit one, AWS_PROFILE, or "default".
func profileName(profile string) string {
	if profile != "" {
		return profile
	}
	if env := os.Getenv("AWS_PROFILE"); env != "" {
		return env
	}
	return "default"
}

// firstLine shortens an SDK error to its first line for use inside a sentence.
func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
