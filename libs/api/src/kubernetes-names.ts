// Ports of the k8s.io/apimachinery name checks (pkg/api/validate/content, v0.35). They return the same messages as
// the API server, so an issue we report reads like the rejection a user would get from kubectl.

const LABEL_KEY_FORMAT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FORMAT = `(${LABEL_KEY_FORMAT})?`;
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FORMAT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FORMAT = `${DNS1123_LABEL_FORMAT}(\\.${DNS1123_LABEL_FORMAT})*`;
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

const labelKeyPattern = new RegExp(`^${LABEL_KEY_FORMAT}$`);
const labelValuePattern = new RegExp(`^${LABEL_VALUE_FORMAT}$`);
const dns1123LabelPattern = new RegExp(`^${DNS1123_LABEL_FORMAT}$`);
const dns1123SubdomainPattern = new RegExp(`^${DNS1123_SUBDOMAIN_FORMAT}$`);

const encoder = new TextEncoder();

/** Length in bytes, as Go's len() counts it. */
export function byteLength(value: string): number {
  return encoder.encode(value).length;
}

function maxLengthError(max: number): string {
  return `must be no more than ${max} bytes`;
}

function regexError(message: string, format: string, ...examples: string[]): string {
  const shown = examples.map((e) => `'${e}', `).join(' or ');
  return `${message} (e.g. ${shown}regex used for validation is '${format}')`;
}

/** A label key (a "qualified name"): an optional DNS-1123 subdomain prefix and '/', then a name of ≤ 63 bytes. */
export function checkLabelKey(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = value;
  } else if (parts.length === 2) {
    const [prefix = '', rest = ''] = parts;
    name = rest;
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else errors.push(...checkDns1123Subdomain(prefix).map((e) => `prefix part ${e}`));
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_MESSAGE, LABEL_KEY_FORMAT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (byteLength(name) > 63) errors.push(`name part ${maxLengthError(63)}`);
  if (!labelKeyPattern.test(name)) {
    errors.push(`name part ${regexError(LABEL_KEY_MESSAGE, LABEL_KEY_FORMAT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errors;
}

/** A label value: empty, or ≤ 63 bytes of alphanumerics, '-', '_' and '.', starting and ending alphanumeric. */
export function checkLabelValue(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push(maxLengthError(63));
  if (!labelValuePattern.test(value)) {
    errors.push(regexError(LABEL_VALUE_MESSAGE, LABEL_VALUE_FORMAT, 'MyValue', 'my_value', '12345'));
  }
  return errors;
}

/** A DNS-1123 label, e.g. a namespace name. */
export function checkDns1123Label(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push(maxLengthError(63));
  if (!dns1123LabelPattern.test(value)) {
    // A valid subdomain that is not a valid label can only be failing because of its dots.
    errors.push(
      dns1123SubdomainPattern.test(value)
        ? 'must not contain dots'
        : regexError(DNS1123_LABEL_MESSAGE, DNS1123_LABEL_FORMAT, 'my-name', '123-abc'),
    );
  }
  return errors;
}

/** A DNS-1123 subdomain, e.g. most object names. */
export function checkDns1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 253) errors.push(maxLengthError(253));
  if (!dns1123SubdomainPattern.test(value)) {
    errors.push(regexError(DNS1123_SUBDOMAIN_MESSAGE, DNS1123_SUBDOMAIN_FORMAT, 'example.com'));
  }
  return errors;
}
