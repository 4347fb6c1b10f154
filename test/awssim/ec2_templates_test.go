package awssim

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// imageCloud returns a cloud with seven images: five of this account
// (x86_64, one of them pending) and two arm64 images published by Amazon.
func imageCloud(t *testing.T) *Cloud {
	t.Helper()
	c := newTestCloud()
	for i := 1; i <= 5; i++ {
		state := "available"
		if i == 5 {
			state = "pending"
		}
		must(t, c.AddImage(Image{ID: imageID(i), Name: fmt.Sprintf("node-x86-%d", i), State: state}))
	}
	for i := 6; i <= 7; i++ {
		must(t, c.AddImage(Image{ID: imageID(i), Name: fmt.Sprintf("amazon-eks-arm64-%d", i),
			Architecture: "arm64", OwnerID: "602401143452", OwnerAlias: "amazon", Public: true}))
	}
	return c
}

func imageIDsOf(images []ec2types.Image) []string {
	var ids []string
	for _, img := range images {
		ids = append(ids, aws.ToString(img.ImageId))
	}
	return ids
}

func TestDescribeImages(t *testing.T) {
	srv := startServer(t, imageCloud(t))
	client := ec2.NewFromConfig(srv.AWSConfig())
	tests := []struct {
		name  string
		input ec2.DescribeImagesInput
		want  []int
	}{
		{name: "by ID", input: ec2.DescribeImagesInput{ImageIds: []string{imageID(2), imageID(6)}}, want: []int{2, 6}},
		{name: "owner self", input: ec2.DescribeImagesInput{Owners: []string{"self"}}, want: []int{1, 2, 3, 4, 5}},
		{name: "owner alias", input: ec2.DescribeImagesInput{Owners: []string{"amazon"}}, want: []int{6, 7}},
		{name: "owner account", input: ec2.DescribeImagesInput{Owners: []string{"602401143452"}}, want: []int{6, 7}},
		{name: "architecture", input: ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("architecture"), Values: []string{"arm64"}}}}, want: []int{6, 7}},
		{name: "name wildcard", input: ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"node-x86-*"}}}}, want: []int{1, 2, 3, 4, 5}},
		{name: "state", input: ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("state"), Values: []string{"pending"}}}}, want: []int{5}},
		{name: "image-id filter on an unknown ID", input: ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("image-id"), Values: []string{imageID(99)}}}}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeImages(ctx(t), &tt.input)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, n := range tt.want {
				want = append(want, imageID(n))
			}
			if got := imageIDsOf(out.Images); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestDescribeImagesShapeAndPaging(t *testing.T) {
	srv := startServer(t, imageCloud(t))
	client := ec2.NewFromConfig(srv.AWSConfig())
	out, err := client.DescribeImages(ctx(t), &ec2.DescribeImagesInput{ImageIds: []string{imageID(6)}})
	if err != nil {
		t.Fatal(err)
	}
	img := out.Images[0]
	if img.Architecture != ec2types.ArchitectureValuesArm64 || img.State != ec2types.ImageStateAvailable ||
		aws.ToString(img.OwnerId) != "602401143452" || aws.ToString(img.ImageOwnerAlias) != "amazon" ||
		aws.ToString(img.CreationDate) != "2026-11-21T09:30:00.000Z" || !aws.ToBool(img.Public) {
		t.Errorf("image = %+v", img)
	}

	var sizes []int
	p := ec2.NewDescribeImagesPaginator(client, &ec2.DescribeImagesInput{MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Images))
	}
	if want := []int{3, 3, 1}; !slices.Equal(sizes, want) {
		t.Errorf("page sizes = %v, want %v", sizes, want)
	}
}

func TestDescribeImagesErrors(t *testing.T) {
	srv := startServer(t, imageCloud(t))
	client := ec2.NewFromConfig(srv.AWSConfig())
	tests := []struct {
		name  string
		input ec2.DescribeImagesInput
		code  string
	}{
		{name: "unknown ID", input: ec2.DescribeImagesInput{ImageIds: []string{imageID(1), imageID(42)}}, code: "InvalidAMIID.NotFound"},
		{name: "malformed ID", input: ec2.DescribeImagesInput{ImageIds: []string{"ami-xyz"}}, code: "InvalidAMIID.Malformed"},
		{name: "unknown filter", input: ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("colour"), Values: []string{"x"}}}}, code: "InvalidParameterValue"},
		{name: "bad token", input: ec2.DescribeImagesInput{NextToken: aws.String("%%%")}, code: "InvalidPaginationToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.DescribeImages(ctx(t), &tt.input)
			wantCode(t, err, tt.code)
		})
	}
}

// templateCloud returns a cloud with launch templates lt-...1 "nodes" (three
// versions, default 2) and lt-...2 "gpu" (one version), and five more
// single-version templates for paging.
func templateCloud(t *testing.T) *Cloud {
	t.Helper()
	c := newTestCloud()
	must(t, c.AddLaunchTemplate(LaunchTemplate{
		ID: templateID(1), Name: "nodes", DefaultVersion: 2,
		Versions: []LaunchTemplateVersion{
			{Number: 1, ImageID: imageID(1), InstanceType: "m5.large"},
			{Number: 2, ImageID: imageID(2), InstanceType: "m5.large"},
			{Number: 3, ImageID: imageID(3), InstanceType: "m6i.large"},
		},
		Tags: map[string]string{"team": "platform"},
	}))
	must(t, c.AddLaunchTemplate(LaunchTemplate{ID: templateID(2), Name: "gpu",
		Versions: []LaunchTemplateVersion{{ImageID: imageID(9), InstanceType: "g5.xlarge"}}}))
	for i := 3; i <= 7; i++ {
		must(t, c.AddLaunchTemplate(LaunchTemplate{ID: templateID(i), Name: fmt.Sprintf("extra-%d", i),
			Versions: []LaunchTemplateVersion{{ImageID: imageID(1)}}}))
	}
	return c
}

func TestDescribeLaunchTemplates(t *testing.T) {
	srv := startServer(t, templateCloud(t))
	client := ec2.NewFromConfig(srv.AWSConfig())
	tests := []struct {
		name  string
		input ec2.DescribeLaunchTemplatesInput
		want  []string
	}{
		{name: "by ID", input: ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{templateID(2)}}, want: []string{"gpu"}},
		{name: "by name", input: ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"nodes", "gpu"}}, want: []string{"nodes", "gpu"}},
		{name: "name filter", input: ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{{Name: aws.String("launch-template-name"), Values: []string{"extra-*"}}}},
			want: []string{"extra-3", "extra-4", "extra-5", "extra-6", "extra-7"}},
		{name: "tag filter", input: ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:team"), Values: []string{"platform"}}}}, want: []string{"nodes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeLaunchTemplates(ctx(t), &tt.input)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, lt := range out.LaunchTemplates {
				got = append(got, aws.ToString(lt.LaunchTemplateName))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	out, err := client.DescribeLaunchTemplates(ctx(t), &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{templateID(1)}})
	if err != nil {
		t.Fatal(err)
	}
	lt := out.LaunchTemplates[0]
	if aws.ToInt64(lt.DefaultVersionNumber) != 2 || aws.ToInt64(lt.LatestVersionNumber) != 3 {
		t.Errorf("default/latest = %d/%d, want 2/3", aws.ToInt64(lt.DefaultVersionNumber), aws.ToInt64(lt.LatestVersionNumber))
	}

	var sizes []int
	p := ec2.NewDescribeLaunchTemplatesPaginator(client, &ec2.DescribeLaunchTemplatesInput{MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.LaunchTemplates))
	}
	if want := []int{3, 3, 1}; !slices.Equal(sizes, want) {
		t.Errorf("page sizes = %v, want %v", sizes, want)
	}
}

func TestDescribeLaunchTemplateVersionsResolution(t *testing.T) {
	srv := startServer(t, templateCloud(t))
	client := ec2.NewFromConfig(srv.AWSConfig())
	tests := []struct {
		name      string
		input     ec2.DescribeLaunchTemplateVersionsInput
		want      []int64
		wantImage string
	}{
		{name: "$Latest by ID", input: ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(templateID(1)), Versions: []string{"$Latest"}}, want: []int64{3}, wantImage: imageID(3)},
		{name: "$Default by name", input: ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("nodes"), Versions: []string{"$Default"}}, want: []int64{2}, wantImage: imageID(2)},
		{name: "number", input: ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("nodes"), Versions: []string{"1"}}, want: []int64{1}, wantImage: imageID(1)},
		{name: "all versions newest first", input: ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(templateID(1))}, want: []int64{3, 2, 1}, wantImage: imageID(3)},
		{name: "version range", input: ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(templateID(1)), MinVersion: aws.String("2"), MaxVersion: aws.String("2")}, want: []int64{2}, wantImage: imageID(2)},
		{name: "aliases naming one version appear once", input: ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("gpu"), Versions: []string{"$Latest", "$Default", "1"}}, want: []int64{1}, wantImage: imageID(9)},
		{name: "filter", input: ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(templateID(1)),
			Filters: []ec2types.Filter{{Name: aws.String("instance-type"), Values: []string{"m5.large"}}}}, want: []int64{2, 1}, wantImage: imageID(2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeLaunchTemplateVersions(ctx(t), &tt.input)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, v := range out.LaunchTemplateVersions {
				got = append(got, aws.ToInt64(v.VersionNumber))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("versions = %v, want %v", got, tt.want)
			}
			first := out.LaunchTemplateVersions[0]
			if img := aws.ToString(first.LaunchTemplateData.ImageId); img != tt.wantImage {
				t.Errorf("imageId = %s, want %s", img, tt.wantImage)
			}
			lt, _ := srv.cloud.LaunchTemplate(aws.ToString(first.LaunchTemplateId))
			if isDefault := aws.ToInt64(first.VersionNumber) == lt.DefaultVersion; aws.ToBool(first.DefaultVersion) != isDefault {
				t.Errorf("defaultVersion = %v for version %d of %s", aws.ToBool(first.DefaultVersion), aws.ToInt64(first.VersionNumber), lt.Name)
			}
		})
	}
}

func TestDescribeLaunchTemplateVersionsAcrossTemplates(t *testing.T) {
	srv := startServer(t, templateCloud(t))
	client := ec2.NewFromConfig(srv.AWSConfig())
	var got []string
	p := ec2.NewDescribeLaunchTemplateVersionsPaginator(client, &ec2.DescribeLaunchTemplateVersionsInput{
		Versions: []string{"$Latest", "$Default"}, MaxResults: aws.Int32(2),
	})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range page.LaunchTemplateVersions {
			got = append(got, fmt.Sprintf("%s:%d", aws.ToString(v.LaunchTemplateName), aws.ToInt64(v.VersionNumber)))
		}
	}
	want := []string{"nodes:3", "nodes:2", "gpu:1", "extra-3:1", "extra-4:1", "extra-5:1", "extra-6:1", "extra-7:1"}
	if !slices.Equal(got, want) {
		t.Errorf("versions = %v, want %v", got, want)
	}
	if pages != 4 {
		t.Errorf("pages = %d, want 4", pages)
	}
}

func TestLaunchTemplateErrors(t *testing.T) {
	srv := startServer(t, templateCloud(t))
	client := ec2.NewFromConfig(srv.AWSConfig())
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{name: "templates: unknown ID", code: "InvalidLaunchTemplateId.NotFound", call: func() error {
			_, err := client.DescribeLaunchTemplates(ctx(t), &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{templateID(99)}})
			return err
		}},
		{name: "templates: malformed ID", code: "InvalidLaunchTemplateId.Malformed", call: func() error {
			_, err := client.DescribeLaunchTemplates(ctx(t), &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{"lt-1"}})
			return err
		}},
		{name: "templates: unknown name", code: "InvalidLaunchTemplateName.NotFoundException", call: func() error {
			_, err := client.DescribeLaunchTemplates(ctx(t), &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"nodes", "nope"}})
			return err
		}},
		{name: "templates: MaxResults above 200", code: "InvalidParameterValue", call: func() error {
			_, err := client.DescribeLaunchTemplates(ctx(t), &ec2.DescribeLaunchTemplatesInput{MaxResults: aws.Int32(201)})
			return err
		}},
		{name: "versions: unknown ID", code: "InvalidLaunchTemplateId.NotFound", call: func() error {
			_, err := client.DescribeLaunchTemplateVersions(ctx(t), &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(templateID(99))})
			return err
		}},
		{name: "versions: unknown name", code: "InvalidLaunchTemplateName.NotFoundException", call: func() error {
			_, err := client.DescribeLaunchTemplateVersions(ctx(t), &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("nope")})
			return err
		}},
		{name: "versions: unknown version", code: "InvalidLaunchTemplateId.VersionNotFound", call: func() error {
			_, err := client.DescribeLaunchTemplateVersions(ctx(t), &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("nodes"), Versions: []string{"7"}})
			return err
		}},
		{name: "versions: ID and name", code: "InvalidParameterCombination", call: func() error {
			_, err := client.DescribeLaunchTemplateVersions(ctx(t), &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(templateID(1)), LaunchTemplateName: aws.String("nodes")})
			return err
		}},
		{name: "versions: numbers without a template", code: "InvalidParameterValue", call: func() error {
			_, err := client.DescribeLaunchTemplateVersions(ctx(t), &ec2.DescribeLaunchTemplateVersionsInput{Versions: []string{"1"}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}
}
