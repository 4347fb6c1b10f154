package awssim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// amiParameter is the public SSM parameter of the recommended AL2023 image.
const amiParameter = "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/standard/recommended/image_id"

func TestGetParameter(t *testing.T) {
	c := newTestCloud()
	must(t, c.SetParameter(amiParameter, imageID(1)))
	must(t, c.SetParameter(amiParameter, imageID(2)))
	srv := startServer(t, c)
	client := ssm.NewFromConfig(srv.AWSConfig())

	out, err := client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String(amiParameter)})
	if err != nil {
		t.Fatal(err)
	}
	p := out.Parameter
	if aws.ToString(p.Value) != imageID(2) || p.Version != 2 || p.Type != ssmtypes.ParameterTypeString {
		t.Errorf("parameter = %s version %d type %s, want %s version 2 String", aws.ToString(p.Value), p.Version, p.Type, imageID(2))
	}
	if want := "arn:aws:ssm:us-east-1::parameter" + amiParameter; aws.ToString(p.ARN) != want {
		t.Errorf("ARN = %s, want %s", aws.ToString(p.ARN), want)
	}
	if !aws.ToTime(p.LastModifiedDate).Equal(baseTime()) {
		t.Errorf("last modified = %v, want %v", aws.ToTime(p.LastModifiedDate), baseTime())
	}

	tests := []struct {
		name    string
		ref     string
		code    string
		wantErr bool
	}{
		{name: "by ARN", ref: "arn:aws:ssm:us-east-1::parameter" + amiParameter},
		{name: "current version selector", ref: amiParameter + ":2"},
		{name: "unknown name", ref: "/aws/service/nope", code: "ParameterNotFound", wantErr: true},
		{name: "old version selector", ref: amiParameter + ":1", code: "ParameterVersionNotFound", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String(tt.ref)})
			if tt.wantErr {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.Parameter.Value) != imageID(2) {
				t.Errorf("value = %s", aws.ToString(out.Parameter.Value))
			}
		})
	}

	_, err = client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/missing")})
	var notFound *ssmtypes.ParameterNotFound
	if !errors.As(err, &notFound) {
		t.Errorf("error %v is not the modeled *types.ParameterNotFound", err)
	}
}

func TestGetParameters(t *testing.T) {
	c := newTestCloud()
	for _, name := range []string{"/b/one", "/a/two", "/c/three"} {
		must(t, c.SetParameter(name, "v"+name))
	}
	srv := startServer(t, c)
	client := ssm.NewFromConfig(srv.AWSConfig())

	out, err := client.GetParameters(ctx(t), &ssm.GetParametersInput{Names: []string{"/c/three", "/zz", "/a/two", "/yy", "/a/two"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range out.Parameters {
		names = append(names, aws.ToString(p.Name))
	}
	if want := []string{"/a/two", "/c/three"}; !slices.Equal(names, want) {
		t.Errorf("parameters = %v, want %v in alphabetical order", names, want)
	}
	if want := []string{"/zz", "/yy"}; !slices.Equal(out.InvalidParameters, want) {
		t.Errorf("invalid parameters = %v, want %v", out.InvalidParameters, want)
	}

	tests := []struct {
		name  string
		names []string
		code  string
	}{
		{name: "eleven names", names: slices.Repeat([]string{"/a/two"}, 11), code: "ValidationException"},
		{name: "no names", names: []string{}, code: "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.GetParameters(ctx(t), &ssm.GetParametersInput{Names: tt.names})
			wantCode(t, err, tt.code)
		})
	}
}

// eksCloud returns a cloud with clusters "prod" and "staging" and three
// more for paging; prod has node groups "general" and "gpu".
func eksCloud(t *testing.T) *Cloud {
	t.Helper()
	c := templateCloud(t)
	must(t, c.AddCluster(EKSCluster{Name: "prod", Version: "1.36", Tags: map[string]string{"env": "prod"}}))
	must(t, c.AddCluster(EKSCluster{Name: "staging", Version: "1.35", Status: "UPDATING"}))
	for i := range 3 {
		must(t, c.AddCluster(EKSCluster{Name: fmt.Sprintf("dev-%d", i), Version: "1.36"}))
	}
	must(t, c.AddNodegroup(Nodegroup{
		Cluster: "prod", Name: "general", ReleaseVersion: "1.36.0-20261101",
		MinSize: 2, MaxSize: 6, DesiredSize: 3,
		InstanceTypes: []string{"m6i.large"}, Subnets: []string{"subnet-a", "subnet-b"},
		LaunchTemplate:    &LaunchTemplateRef{ID: templateID(1), Version: "2"},
		AutoScalingGroups: []string{"eks-general-1234"},
		Labels:            map[string]string{"role": "general"},
		Tags:              map[string]string{"team": "platform"},
	}))
	must(t, c.AddNodegroup(Nodegroup{Cluster: "prod", Name: "gpu", AMIType: "AL2023_x86_64_NVIDIA", MaxSize: 2, AutoScalingGroups: []string{"eks-gpu-5678"}}))
	return c
}

func TestEKSClusters(t *testing.T) {
	srv := startServer(t, eksCloud(t))
	client := eks.NewFromConfig(srv.AWSConfig())

	var pages [][]string
	p := eks.NewListClustersPaginator(client, &eks.ListClustersInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page.Clusters)
	}
	want := [][]string{{"dev-0", "dev-1"}, {"dev-2", "prod"}, {"staging"}}
	if fmt.Sprint(pages) != fmt.Sprint(want) {
		t.Errorf("pages = %v, want %v", pages, want)
	}

	out, err := client.DescribeCluster(ctx(t), &eks.DescribeClusterInput{Name: aws.String("staging")})
	if err != nil {
		t.Fatal(err)
	}
	cl := out.Cluster
	if aws.ToString(cl.Name) != "staging" || aws.ToString(cl.Version) != "1.35" || cl.Status != ekstypes.ClusterStatusUpdating ||
		aws.ToString(cl.Arn) != "arn:aws:eks:us-east-1:"+DefaultAccountID+":cluster/staging" || !aws.ToTime(cl.CreatedAt).Equal(baseTime()) {
		t.Errorf("cluster = %+v", cl)
	}
}

func TestEKSNodegroups(t *testing.T) {
	srv := startServer(t, eksCloud(t))
	client := eks.NewFromConfig(srv.AWSConfig())

	var names []string
	pages := 0
	p := eks.NewListNodegroupsPaginator(client, &eks.ListNodegroupsInput{ClusterName: aws.String("prod"), MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		names = append(names, page.Nodegroups...)
	}
	if !slices.Equal(names, []string{"general", "gpu"}) || pages != 2 {
		t.Errorf("node groups = %v in %d pages", names, pages)
	}

	out, err := client.DescribeNodegroup(ctx(t), &eks.DescribeNodegroupInput{ClusterName: aws.String("prod"), NodegroupName: aws.String("general")})
	if err != nil {
		t.Fatal(err)
	}
	ng := out.Nodegroup
	checks := []struct {
		name      string
		got, want string
	}{
		{name: "name", got: aws.ToString(ng.NodegroupName), want: "general"},
		{name: "cluster", got: aws.ToString(ng.ClusterName), want: "prod"},
		{name: "version from the cluster", got: aws.ToString(ng.Version), want: "1.36"},
		{name: "release", got: aws.ToString(ng.ReleaseVersion), want: "1.36.0-20261101"},
		{name: "AMI type", got: string(ng.AmiType), want: "AL2023_x86_64_STANDARD"},
		{name: "status", got: string(ng.Status), want: "ACTIVE"},
		{name: "scaling", got: fmt.Sprintf("%d/%d/%d", aws.ToInt32(ng.ScalingConfig.MinSize), aws.ToInt32(ng.ScalingConfig.DesiredSize), aws.ToInt32(ng.ScalingConfig.MaxSize)), want: "2/3/6"},
		{name: "launch template", got: fmt.Sprintf("%s/%s/%s", aws.ToString(ng.LaunchTemplate.Id), aws.ToString(ng.LaunchTemplate.Name), aws.ToString(ng.LaunchTemplate.Version)), want: templateID(1) + "/nodes/2"},
		{name: "groups", got: aws.ToString(ng.Resources.AutoScalingGroups[0].Name), want: "eks-general-1234"},
		{name: "subnets", got: strings.Join(ng.Subnets, ","), want: "subnet-a,subnet-b"},
		{name: "instance types", got: strings.Join(ng.InstanceTypes, ","), want: "m6i.large"},
		{name: "labels", got: ng.Labels["role"], want: "general"},
		{name: "tags", got: ng.Tags["team"], want: "platform"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
}

func TestEKSErrors(t *testing.T) {
	srv := startServer(t, eksCloud(t))
	client := eks.NewFromConfig(srv.AWSConfig())
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{name: "unknown cluster", code: "ResourceNotFoundException", call: func() error {
			_, err := client.DescribeCluster(ctx(t), &eks.DescribeClusterInput{Name: aws.String("nope")})
			return err
		}},
		{name: "node groups of an unknown cluster", code: "ResourceNotFoundException", call: func() error {
			_, err := client.ListNodegroups(ctx(t), &eks.ListNodegroupsInput{ClusterName: aws.String("nope")})
			return err
		}},
		{name: "unknown node group", code: "ResourceNotFoundException", call: func() error {
			_, err := client.DescribeNodegroup(ctx(t), &eks.DescribeNodegroupInput{ClusterName: aws.String("prod"), NodegroupName: aws.String("nope")})
			return err
		}},
		{name: "maxResults above 100", code: "InvalidParameterException", call: func() error {
			_, err := client.ListNodegroups(ctx(t), &eks.ListNodegroupsInput{ClusterName: aws.String("prod"), MaxResults: aws.Int32(101)})
			return err
		}},
		{name: "bad token", code: "InvalidParameterException", call: func() error {
			_, err := client.ListClusters(ctx(t), &eks.ListClustersInput{NextToken: aws.String("bogus")})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}

	_, err := client.DescribeNodegroup(ctx(t), &eks.DescribeNodegroupInput{ClusterName: aws.String("prod"), NodegroupName: aws.String("nope")})
	var notFound *ekstypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("error %v is not the modeled *types.ResourceNotFoundException", err)
	}
	if aws.ToString(notFound.ClusterName) != "prod" || aws.ToString(notFound.NodegroupName) != "nope" {
		t.Errorf("exception names cluster %q and node group %q", aws.ToString(notFound.ClusterName), aws.ToString(notFound.NodegroupName))
	}
}
