package awssim

import (
	"cmp"
	"slices"
	"strings"
)

// The XML shapes of the EC2 answers, with the element names the SDK's
// deserializers read. Lists are <item> elements inside a *Set element.

type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type ec2InstanceState struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

type ec2Placement struct {
	AvailabilityZone string `xml:"availabilityZone"`
	GroupName        string `xml:"groupName,omitempty"`
	Tenancy          string `xml:"tenancy"`
}

type ec2Instance struct {
	InstanceID         string           `xml:"instanceId"`
	ImageID            string           `xml:"imageId"`
	State              ec2InstanceState `xml:"instanceState"`
	PrivateDNSName     string           `xml:"privateDnsName"`
	DNSName            string           `xml:"dnsName"`
	AMILaunchIndex     int              `xml:"amiLaunchIndex"`
	InstanceType       string           `xml:"instanceType"`
	LaunchTime         string           `xml:"launchTime"`
	Placement          ec2Placement     `xml:"placement"`
	SubnetID           string           `xml:"subnetId,omitempty"`
	VPCID              string           `xml:"vpcId,omitempty"`
	PrivateIPAddress   string           `xml:"privateIpAddress,omitempty"`
	Architecture       string           `xml:"architecture"`
	RootDeviceType     string           `xml:"rootDeviceType"`
	RootDeviceName     string           `xml:"rootDeviceName"`
	VirtualizationType string           `xml:"virtualizationType"`
	Hypervisor         string           `xml:"hypervisor"`
	Tags               []ec2Tag         `xml:"tagSet>item"`
}

type ec2Reservation struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Instances     []ec2Instance `xml:"instancesSet>item"`
}

type ec2DescribeInstancesResponse struct {
	ec2Meta
	Reservations struct {
		Items []ec2Reservation `xml:"item"`
	} `xml:"reservationSet"`
	NextToken string `xml:"nextToken,omitempty"`
}

type ec2Image struct {
	ImageID            string   `xml:"imageId"`
	ImageLocation      string   `xml:"imageLocation"`
	ImageState         string   `xml:"imageState"`
	ImageOwnerID       string   `xml:"imageOwnerId"`
	CreationDate       string   `xml:"creationDate"`
	IsPublic           bool     `xml:"isPublic"`
	Architecture       string   `xml:"architecture"`
	ImageType          string   `xml:"imageType"`
	ImageOwnerAlias    string   `xml:"imageOwnerAlias,omitempty"`
	Name               string   `xml:"name"`
	Description        string   `xml:"description,omitempty"`
	RootDeviceType     string   `xml:"rootDeviceType"`
	RootDeviceName     string   `xml:"rootDeviceName"`
	VirtualizationType string   `xml:"virtualizationType"`
	Hypervisor         string   `xml:"hypervisor"`
	PlatformDetails    string   `xml:"platformDetails"`
	Tags               []ec2Tag `xml:"tagSet>item"`
}

type ec2DescribeImagesResponse struct {
	ec2Meta
	Images struct {
		Items []ec2Image `xml:"item"`
	} `xml:"imagesSet"`
	NextToken string `xml:"nextToken,omitempty"`
}

type ec2LaunchTemplate struct {
	LaunchTemplateID     string   `xml:"launchTemplateId"`
	LaunchTemplateName   string   `xml:"launchTemplateName"`
	CreateTime           string   `xml:"createTime"`
	CreatedBy            string   `xml:"createdBy"`
	DefaultVersionNumber int64    `xml:"defaultVersionNumber"`
	LatestVersionNumber  int64    `xml:"latestVersionNumber"`
	Tags                 []ec2Tag `xml:"tagSet>item"`
}

type ec2DescribeLaunchTemplatesResponse struct {
	ec2Meta
	LaunchTemplates struct {
		Items []ec2LaunchTemplate `xml:"item"`
	} `xml:"launchTemplates"`
	NextToken string `xml:"nextToken,omitempty"`
}

type ec2LaunchTemplateData struct {
	ImageID      string `xml:"imageId,omitempty"`
	InstanceType string `xml:"instanceType,omitempty"`
}

type ec2LaunchTemplateVersion struct {
	LaunchTemplateID   string                `xml:"launchTemplateId"`
	LaunchTemplateName string                `xml:"launchTemplateName"`
	VersionNumber      int64                 `xml:"versionNumber"`
	VersionDescription string                `xml:"versionDescription,omitempty"`
	CreateTime         string                `xml:"createTime"`
	CreatedBy          string                `xml:"createdBy"`
	DefaultVersion     bool                  `xml:"defaultVersion"`
	LaunchTemplateData ec2LaunchTemplateData `xml:"launchTemplateData"`
}

type ec2DescribeLaunchTemplateVersionsResponse struct {
	ec2Meta
	Versions struct {
		Items []ec2LaunchTemplateVersion `xml:"item"`
	} `xml:"launchTemplateVersionSet"`
	NextToken string `xml:"nextToken,omitempty"`
}

// ec2Tags renders a tag map as a tagSet, ordered by key.
func ec2Tags(tags map[string]string) []ec2Tag {
	out := make([]ec2Tag, 0, len(tags))
	for k, v := range tags {
		out = append(out, ec2Tag{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b ec2Tag) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// ec2ReservationOf wraps an instance in its own reservation, whose ID
// shares the instance's hex digits.
func ec2ReservationOf(inst Instance, owner string) ec2Reservation {
	code, _ := instanceStateCode(inst.State)
	return ec2Reservation{
		ReservationID: "r-" + strings.TrimPrefix(inst.ID, "i-"),
		OwnerID:       owner,
		Instances: []ec2Instance{{
			InstanceID:         inst.ID,
			ImageID:            inst.ImageID,
			State:              ec2InstanceState{Code: code, Name: inst.State},
			PrivateDNSName:     inst.PrivateDNSName,
			InstanceType:       inst.InstanceType,
			LaunchTime:         xmlTime(inst.LaunchTime),
			Placement:          ec2Placement{AvailabilityZone: inst.Zone, Tenancy: "default"},
			SubnetID:           inst.SubnetID,
			VPCID:              inst.VPCID,
			PrivateIPAddress:   inst.PrivateIP,
			Architecture:       inst.Architecture,
			RootDeviceType:     "ebs",
			RootDeviceName:     "/dev/xvda",
			VirtualizationType: "hvm",
			Hypervisor:         "xen",
			Tags:               ec2Tags(inst.Tags),
		}},
	}
}

// ec2ImageOf renders an image.
func ec2ImageOf(img Image) ec2Image {
	return ec2Image{
		ImageID:            img.ID,
		ImageLocation:      img.OwnerID + "/" + img.Name,
		ImageState:         img.State,
		ImageOwnerID:       img.OwnerID,
		CreationDate:       xmlTime(img.CreationDate),
		IsPublic:           img.Public,
		Architecture:       img.Architecture,
		ImageType:          "machine",
		ImageOwnerAlias:    img.OwnerAlias,
		Name:               img.Name,
		Description:        img.Description,
		RootDeviceType:     "ebs",
		RootDeviceName:     "/dev/xvda",
		VirtualizationType: "hvm",
		Hypervisor:         "xen",
		PlatformDetails:    "Linux/UNIX",
		Tags:               ec2Tags(img.Tags),
	}
}
