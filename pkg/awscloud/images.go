package awscloud

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Image is what discovery knows about one AMI.
type Image struct {
	ID, Name string
	// State is the EC2 image state: available, pending, failed, disabled, ...
	State string
	// Architecture is "amd64" or "arm64" (EC2's x86_64 and arm64); other values pass through.
	Architecture string
	OwnerID      string
	Created      time.Time
}

// Images describes images by ID through the image-id filter, which leaves unknown IDs out
// instead of failing (ImageId.N would fail the call with InvalidAMIID.NotFound), at most 200
// filter values per call and 1,000 results per page. Deprecated and disabled images are
// included so that their state can be reported. Unknown IDs are absent; a malformed ID is an
// error before any call.
func (c *Clients) Images(ctx context.Context, ids []string) (map[string]Image, error) {
	ids = unique(ids)
	for _, id := range ids {
		if err := ValidateImageID(id); err != nil {
			return nil, err
		}
	}
	out := make(map[string]Image, len(ids))
	for _, batch := range chunks(ids, maxFilterValuesPerCall) {
		p := ec2.NewDescribeImagesPaginator(c.EC2, &ec2.DescribeImagesInput{
			Filters:           []types.Filter{{Name: aws.String("image-id"), Values: batch}},
			IncludeDeprecated: aws.Bool(true),
			IncludeDisabled:   aws.Bool(true),
		}, func(o *ec2.DescribeImagesPaginatorOptions) { o.Limit = maxEC2PageSize })
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, wrap(err, "describe images")
			}
			for _, img := range page.Images {
				image := Image{
					ID:           aws.ToString(img.ImageId),
					Name:         aws.ToString(img.Name),
					State:        string(img.State),
					Architecture: kubeArch(string(img.Architecture)),
					OwnerID:      aws.ToString(img.OwnerId),
				}
				if created := aws.ToString(img.CreationDate); created != "" {
					image.Created, _ = time.Parse(time.RFC3339, created)
				}
				out[image.ID] = image
			}
		}
	}
	return out, nil
}

// ValidateImageID checks that id has the ami-xxxxxxxx or ami-xxxxxxxxxxxxxxxxx form.
func ValidateImageID(id string) error {
	if validResourceID(id, "ami-") {
		return nil
	}
	return fmt.Errorf("%q is not an AMI ID; pass one of the form ami-0123456789abcdef0 (8 or 17 hex digits), or latest", id)
}

// OSFamily is the operating system family of an EKS-optimized image.
type OSFamily string

// The OS families for which EKS publishes optimized images in SSM.
const (
	OSAL2          OSFamily = "AL2"
	OSAL2023       OSFamily = "AL2023"
	OSBottlerocket OSFamily = "Bottlerocket"
)

// ImageQuery asks for the latest EKS-optimized image of one kind.
type ImageQuery struct {
	// KubernetesMinor is the Kubernetes version, such as "1.36".
	KubernetesMinor string
	// Architecture is "amd64" or "arm64".
	Architecture string
	OS           OSFamily
}

// String describes q for people, such as "AL2023 arm64 for Kubernetes 1.36".
func (q ImageQuery) String() string {
	return fmt.Sprintf("%s %s for Kubernetes %s", q.OS, q.Architecture, q.KubernetesMinor)
}

// OSFamilyOf maps a node's status.nodeInfo.osImage to its OS family: "Amazon Linux 2",
// "Amazon Linux 2023.6.20250115" and "Bottlerocket OS 1.30.0 (aws-k8s-1.32)" are recognised.
func OSFamilyOf(osImage string) (OSFamily, error) {
	s := strings.TrimSpace(osImage)
	switch {
	case strings.HasPrefix(s, "Amazon Linux 2023"):
		return OSAL2023, nil
	case s == "Amazon Linux 2" || strings.HasPrefix(s, "Amazon Linux 2 "):
		return OSAL2, nil
	case strings.HasPrefix(s, "Bottlerocket"):
		return OSBottlerocket, nil
	}
	return "", fmt.Errorf("node OS image %q is not Amazon Linux 2, Amazon Linux 2023 or Bottlerocket, for which EKS publishes latest images; pass --ami ami-... instead of latest", osImage)
}

// ParameterName returns the public SSM parameter holding the recommended EKS-optimized image
// for q, as documented in the Amazon EKS User Guide ("Retrieve recommended Amazon Linux AMI
// IDs", "Retrieve recommended Bottlerocket AMI IDs"), or "" for an OS or architecture
// without one.
func ParameterName(q ImageQuery) string {
	arch := ec2Arch(q.Architecture)
	if arch == "" || q.KubernetesMinor == "" {
		return ""
	}
	switch q.OS {
	case OSAL2023:
		return "/aws/service/eks/optimized-ami/" + q.KubernetesMinor + "/amazon-linux-2023/" + arch + "/standard/recommended/image_id"
	case OSAL2:
		variant := "amazon-linux-2"
		if arch == "arm64" {
			variant = "amazon-linux-2-arm64"
		}
		return "/aws/service/eks/optimized-ami/" + q.KubernetesMinor + "/" + variant + "/recommended/image_id"
	case OSBottlerocket:
		return "/aws/service/bottlerocket/aws-k8s-" + q.KubernetesMinor + "/" + arch + "/latest/image_id"
	}
	return ""
}

// LatestImages resolves each query to the image ID in its SSM public parameter with
// GetParameters, 10 names per call. A parameter that does not exist is an error naming it and
// the Kubernetes version, OS and architecture it stands for.
func (c *Clients) LatestImages(ctx context.Context, queries []ImageQuery) (map[ImageQuery]string, error) {
	byName := make(map[string][]ImageQuery)
	var names []string
	for _, q := range queries {
		name := ParameterName(q)
		if name == "" {
			return nil, fmt.Errorf("no EKS-optimized image is published for %s; use AL2, AL2023 or Bottlerocket on amd64 or arm64, or name an image with --ami", q)
		}
		if _, seen := byName[name]; !seen {
			names = append(names, name)
		}
		byName[name] = append(byName[name], q)
	}
	out := make(map[ImageQuery]string, len(queries))
	var missing []string
	for _, batch := range chunks(names, maxParameterNamesPerCall) {
		resp, err := c.SSM.GetParameters(ctx, &ssm.GetParametersInput{Names: batch})
		if err != nil {
			return nil, wrap(err, "get SSM parameters %s", strings.Join(batch, ", "))
		}
		got := make(map[string]bool, len(resp.Parameters))
		for _, p := range resp.Parameters {
			name, value := aws.ToString(p.Name), strings.TrimSpace(aws.ToString(p.Value))
			if _, asked := byName[name]; !asked {
				continue
			}
			if err := ValidateImageID(value); err != nil {
				return nil, fmt.Errorf("SSM parameter %s holds %q, not an AMI ID; pass --ami ami-... instead of latest", name, value)
			}
			got[name] = true
			for _, q := range byName[name] {
				out[q] = value
			}
		}
		for _, name := range batch {
			if !got[name] {
				missing = append(missing, name)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		name, more := missing[0], ""
		if len(missing) > 1 {
			more = fmt.Sprintf(" (nor %d other parameter(s))", len(missing)-1)
		}
		return nil, fmt.Errorf("no EKS-optimized image for %s in region %s: SSM parameter %s does not exist%s; check the cluster's Kubernetes version or name an image with --ami", byName[name][0], c.Region, name, more)
	}
	return out, nil
}
