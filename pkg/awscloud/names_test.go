package awscloud

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

func TestParameterName(t *testing.T) {
	tests := []struct {
		name  string
		query ImageQuery
		want  string
	}{
		{"AL2023 amd64", ImageQuery{"1.36", "amd64", OSAL2023}, "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/standard/recommended/image_id"},
		{"AL2023 arm64", ImageQuery{"1.35", "arm64", OSAL2023}, "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/arm64/standard/recommended/image_id"},
		{"AL2 amd64", ImageQuery{"1.29", "amd64", OSAL2}, "/aws/service/eks/optimized-ami/1.29/amazon-linux-2/recommended/image_id"},
		{"AL2 arm64", ImageQuery{"1.29", "arm64", OSAL2}, "/aws/service/eks/optimized-ami/1.29/amazon-linux-2-arm64/recommended/image_id"},
		{"Bottlerocket amd64", ImageQuery{"1.36", "amd64", OSBottlerocket}, "/aws/service/bottlerocket/aws-k8s-1.36/x86_64/latest/image_id"},
		{"Bottlerocket arm64", ImageQuery{"1.32", "arm64", OSBottlerocket}, "/aws/service/bottlerocket/aws-k8s-1.32/arm64/latest/image_id"},
		{"EC2 architecture name accepted", ImageQuery{"1.36", "x86_64", OSAL2023}, "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/standard/recommended/image_id"},
		{"unknown OS", ImageQuery{"1.36", "amd64", "Ubuntu"}, ""},
		{"unknown architecture", ImageQuery{"1.36", "s390x", OSAL2023}, ""},
		{"no version", ImageQuery{"", "amd64", OSAL2023}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParameterName(tt.query); got != tt.want {
				t.Errorf("ParameterName(%+v) = %q, want %q", tt.query, got, tt.want)
			}
		})
	}
}

func TestOSFamilyOf(t *testing.T) {
	tests := []struct {
		name    string
		osImage string
		want    OSFamily
		wantErr bool
	}{
		{"AL2", "Amazon Linux 2", OSAL2, false},
		{"AL2 with suffix", "Amazon Linux 2 (Karoo)", OSAL2, false},
		{"AL2023 with build", "Amazon Linux 2023.6.20250115", OSAL2023, false},
		{"AL2023 bare", "Amazon Linux 2023", OSAL2023, false},
		{"Bottlerocket", "Bottlerocket OS 1.30.0 (aws-k8s-1.32)", OSBottlerocket, false},
		{"surrounding spaces", "  Amazon Linux 2  ", OSAL2, false},
		{"Ubuntu", "Ubuntu 22.04.4 LTS", "", true},
		{"AL1", "Amazon Linux AMI 2018.03", "", true},
		{"AL2 lookalike", "Amazon Linux 20", "", true},
		{"empty", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OSFamilyOf(tt.osImage)
			if (err != nil) != tt.wantErr {
				t.Fatalf("OSFamilyOf(%q) error = %v, want error %v", tt.osImage, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("OSFamilyOf(%q) = %q, want %q", tt.osImage, got, tt.want)
			}
			if err != nil && !oneSentence(err.Error()) {
				t.Errorf("error is more than one sentence: %v", err)
			}
		})
	}
}

func TestValidateImageID(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		wantErr bool
	}{
		{"short form", "ami-12345678", false},
		{"long form", "ami-0123456789abcdef0", false},
		{"upper case hex", "ami-0123456789ABCDEF0", true},
		{"wrong length", "ami-123456789", true},
		{"not hex", "ami-0123456789abcdefg", true},
		{"no prefix", "0123456789abcdef0", true},
		{"instance ID", "i-0123456789abcdef0", true},
		{"latest keyword", "latest", true},
		{"empty", "", true},
		{"trailing space", "ami-12345678 ", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateImageID(tt.id)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateImageID(%q) = %v, want error %v", tt.id, err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.id)) {
				t.Errorf("error %q does not name the ID", err)
			}
		})
	}
}

func TestClusterName(t *testing.T) {
	tagged := func(tags map[string]string) Instance { return Instance{Tags: tags} }
	tests := []struct {
		name      string
		instances map[string]Instance
		want      string
	}{
		{"none", map[string]Instance{"i-1": tagged(nil)}, ""},
		{"empty map", nil, ""},
		{"eks tag", map[string]Instance{"i-1": tagged(map[string]string{"eks:cluster-name": "prod"})}, "prod"},
		{"aws eks tag", map[string]Instance{"i-1": tagged(map[string]string{"aws:eks:cluster-name": "stage"})}, "stage"},
		{"kubernetes.io cluster key", map[string]Instance{"i-1": tagged(map[string]string{"kubernetes.io/cluster/dev": "owned"})}, "dev"},
		{"eks tag wins over cluster key", map[string]Instance{"i-1": tagged(map[string]string{"kubernetes.io/cluster/other": "shared", "eks:cluster-name": "prod"})}, "prod"},
		{"majority wins", map[string]Instance{
			"i-1": tagged(map[string]string{"eks:cluster-name": "a"}),
			"i-2": tagged(map[string]string{"eks:cluster-name": "b"}),
			"i-3": tagged(map[string]string{"kubernetes.io/cluster/b": "owned"}),
		}, "b"},
		{"tie goes to first name", map[string]Instance{
			"i-1": tagged(map[string]string{"eks:cluster-name": "zeta"}),
			"i-2": tagged(map[string]string{"eks:cluster-name": "alpha"}),
		}, "alpha"},
		{"empty prefix ignored", map[string]Instance{"i-1": tagged(map[string]string{"kubernetes.io/cluster/": "owned"})}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClusterName(tt.instances); got != tt.want {
				t.Errorf("ClusterName() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWithoutNamed(t *testing.T) {
	a, b, c := "i-0000000000000000a", "i-0000000000000000b", "i-1234abcd"
	tests := []struct {
		name    string
		message string
		want    []string
	}{
		{"one ID", "The instance ID 'i-0000000000000000a' does not exist", []string{b, c}},
		{"several IDs", "The instance IDs 'i-0000000000000000a, i-1234abcd' do not exist", []string{b}},
		{"none named", "The instance ID does not exist", []string{a, b, c}},
		{"unrequested ID named", "The instance ID 'i-ffffffff' does not exist", []string{a, b, c}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := withoutNamed([]string{a, b, c}, tt.message)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("withoutNamed() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	opErr := func(service, op, code string) error {
		return fmt.Errorf("describe: %w", &smithy.OperationError{
			ServiceID: service, OperationName: op,
			Err: &smithy.GenericAPIError{Code: code, Message: "raw message from AWS"},
		})
	}
	tests := []struct {
		name     string
		err      error
		contains string // "" means the error comes back unchanged
	}{
		{"EC2 unauthorized names action", opErr("EC2", "DescribeInstances", "UnauthorizedOperation"), "ec2:DescribeInstances"},
		{"Auto Scaling access denied names action", opErr("Auto Scaling", "DescribeAutoScalingGroups", "AccessDenied"), "autoscaling:DescribeAutoScalingGroups"},
		{"EKS access denied names action", opErr("EKS", "DescribeNodegroup", "AccessDeniedException"), "eks:DescribeNodegroup"},
		{"expired token", opErr("SSM", "GetParameters", "ExpiredTokenException"), "aws sso login"},
		{"request expired", opErr("EC2", "DescribeImages", "RequestExpired"), "clock"},
		{"unknown key", opErr("EC2", "DescribeImages", "InvalidClientTokenId"), "AWS_ACCESS_KEY_ID"},
		{"auth failure", opErr("EC2", "DescribeImages", "AuthFailure"), "--profile"},
		{"other code unchanged", opErr("EC2", "DescribeImages", "InvalidParameterValue"), ""},
		{"not an AWS error unchanged", errors.New("boom"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain(tt.err)
			if tt.contains == "" {
				if got != tt.err {
					t.Fatalf("Explain() = %v, want the error unchanged", got)
				}
				return
			}
			if !strings.Contains(got.Error(), tt.contains) {
				t.Errorf("Explain() = %q, want it to mention %q", got, tt.contains)
			}
			if strings.Contains(got.Error(), "raw message from AWS") || !oneSentence(got.Error()) {
				t.Errorf("Explain() = %q, want one sentence of its own", got)
			}
			var apiErr smithy.APIError
			if !errors.As(got, &apiErr) {
				t.Errorf("Explain() lost the wrapped API error")
			}
			if Explain(got) != got {
				t.Errorf("Explain is not idempotent")
			}
		})
	}
	if Explain(nil) != nil {
		t.Errorf("Explain(nil) != nil")
	}
}

func TestChunks(t *testing.T) {
	tests := []struct {
		name string
		n    int
		size int
		want []int
	}{
		{"empty", 0, 3, nil},
		{"exact", 6, 3, []int{3, 3}},
		{"remainder", 7, 3, []int{3, 3, 1}},
		{"smaller than size", 2, 1000, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := make([]int, tt.n)
			var got []int
			for _, c := range chunks(items, tt.size) {
				got = append(got, len(c))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("chunk sizes = %v, want %v", got, tt.want)
			}
		})
	}
}

// oneSentence reports whether s reads as a single sentence: one line, no sentence break.
func oneSentence(s string) bool {
	s = strings.ReplaceAll(s, "...", "")
	return s != "" && !strings.Contains(s, "\n") && !strings.Contains(s, ". ")
}
