package awssim

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestGetCallerIdentityAnswersEvenUnderADenyingPolicy(t *testing.T) {
	c, _ := simCloud(t)
	srv := startServer(t, c)
	if err := srv.SetPolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)); err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(noRetries(srv.AWSConfig())).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got := aws.ToString(out.Account); got != c.AccountID() {
		t.Errorf("Account = %q, want %q", got, c.AccountID())
	}
	if arn := aws.ToString(out.Arn); !strings.HasPrefix(arn, "arn:aws:sts::"+c.AccountID()+":assumed-role/") || strings.Contains(arn, TestAccessKeyID) {
		t.Errorf("Arn = %q, want an assumed role that does not reveal the access key", arn)
	}
	if aws.ToString(out.UserId) == "" {
		t.Error("UserId is empty")
	}
}
