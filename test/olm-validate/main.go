// Command olm-validate runs the operator framework's own bundle validators
// (github.com/operator-framework/api/pkg/validation) over a bundle directory
// (manifests/ + metadata/) and prints one JSON report: which validators ran and
// every error and warning each produced. It exits 0 when the bundle loads, even
// with errors, so the caller decides what to assert; it exits 1 when the bundle
// cannot be loaded at all.
//
// `olm-validate crd` prints OLM's ClusterServiceVersion CRD as the same module version ships it
// (github.com/operator-framework/api/crds), for tests that create the CSV on a real API server.
//
// upstream's cmd/operator-verify runs only the deprecated OperatorHubValidator
// and logs text, so it cannot tell which suite reported what.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/operator-framework/api/crds"
	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/validation"
	"github.com/operator-framework/api/pkg/validation/errors"
	interfaces "github.com/operator-framework/api/pkg/validation/interfaces"
)

type finding struct {
	Manifest string `json:"manifest"`
	Type     string `json:"type"`
	Field    string `json:"field,omitempty"`
	Value    string `json:"value,omitempty"`
	Detail   string `json:"detail"`
	Message  string `json:"message"`
}

type suite struct {
	Name     string    `json:"name"`
	Errors   []finding `json:"errors"`
	Warnings []finding `json:"warnings"`
}

type report struct {
	Bundle  string  `json:"bundle"`
	Package string  `json:"package"`
	CSV     string  `json:"csv"`
	Suites  []suite `json:"suites"`
}

func findings(name string, errs []errors.Error) []finding {
	out := []finding{}
	for _, e := range errs {
		v := ""
		if e.BadValue != nil {
			v = fmt.Sprintf("%v", e.BadValue)
		}
		out = append(out, finding{Manifest: name, Type: string(e.Type), Field: e.Field, Value: v, Detail: e.Detail, Message: e.Error()})
	}
	return out
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "crd" {
		crd := crds.ClusterServiceVersion()
		crd.APIVersion, crd.Kind = "apiextensions.k8s.io/v1", "CustomResourceDefinition"
		if err := json.NewEncoder(os.Stdout).Encode(crd); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: olm-validate <bundle-dir> [k8s-version] | olm-validate crd")
		os.Exit(2)
	}
	k8sVersion := "1.35"
	if len(os.Args) == 3 {
		k8sVersion = os.Args[2]
	}
	bundle, err := manifests.GetBundleFromDir(os.Args[1])
	if err != nil || bundle == nil || bundle.CSV == nil {
		fmt.Fprintf(os.Stderr, "olm-validate: cannot load bundle %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	// Optional validators read their settings from a map[string]string among the objects.
	objs := append(bundle.ObjectsToValidate(), map[string]string{"k8s-version": k8sVersion})

	named := []struct {
		name string
		v    interfaces.Validator
	}{
		{"ClusterServiceVersionValidator", validation.ClusterServiceVersionValidator},
		{"CustomResourceDefinitionValidator", validation.CustomResourceDefinitionValidator},
		{"BundleValidator", validation.BundleValidator},
		// The deprecated OperatorHubValidator is what upstream's operator-verify --operatorhub_validate runs;
		// OperatorHubV2, StandardCapabilities and StandardCategories are its replacement.
		{"OperatorHubValidator", validation.OperatorHubValidator},
		{"OperatorHubV2Validator", validation.OperatorHubV2Validator},
		{"StandardCapabilitiesValidator", validation.StandardCapabilitiesValidator},
		{"StandardCategoriesValidator", validation.StandardCategoriesValidator},
		{"ObjectValidator", validation.ObjectValidator},
		{"AlphaDeprecatedAPIsValidator", validation.AlphaDeprecatedAPIsValidator},
		{"GoodPracticesValidator", validation.GoodPracticesValidator},
	}
	r := report{Bundle: os.Args[1], Package: bundle.Package, CSV: bundle.CSV.GetName(), Suites: []suite{}}
	for _, n := range named {
		s := suite{Name: n.name, Errors: []finding{}, Warnings: []finding{}}
		for _, res := range n.v.Validate(objs...) {
			s.Errors = append(s.Errors, findings(res.Name, res.Errors)...)
			s.Warnings = append(s.Warnings, findings(res.Name, res.Warnings)...)
		}
		r.Suites = append(r.Suites, s)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
