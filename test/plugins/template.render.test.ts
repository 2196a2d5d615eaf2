import assert from "node:assert/strict";
import { test } from "node:test";
import type { Target } from "../../src/api/types.js";
import { checkTemplates, Template } from "../../src/jobmanager/template.js";

const target: Target = { ID: "1234", FQDN: "example.org", PrimaryIPv4: "10.0.0.1" };

function render(text: string, vars: Record<string, unknown> = {}, t: Target = target): string {
  return new Template(text).render({
    target: t,
    variable: (label, name) => vars[`${label}.${name}`],
  });
}

test("target fields render by name", () => {
  assert.equal(render("id={{ .ID }} fqdn={{.FQDN}} ip={{ .PrimaryIPv4 }}"), "id=1234 fqdn=example.org ip=10.0.0.1");
});

test("a field the target lacks renders empty, as Go renders a zero value", () => {
  assert.equal(render("[{{ .PrimaryIPv6 }}]"), "[]");
});

test("Title upper-cases each word like Go's strings.Title (example.org -> Example.Org)", () => {
  assert.equal(render("{{ Title .FQDN }}"), "Example.Org");
  // Go's word boundaries: digits and _ join a word; other ASCII (. - ' space) separate words.
  assert.equal(render('{{ Title "a1234a" }}'), "A1234a");
  assert.equal(render('{{ Title "foo_bar baz-qux" }}'), "Foo_bar Baz-Qux");
  assert.equal(render('{{ Title "don\'t stop" }}'), "Don'T Stop");
  assert.equal(render('{{ Title "élan vital" }}'), "Élan Vital");
});

test("ToUpper and ToLower change case, as functions and in pipelines", () => {
  assert.equal(render("{{ ToUpper .FQDN }}"), "EXAMPLE.ORG");
  assert.equal(render("{{ ToLower .FQDN }}", {}, { ID: "X", FQDN: "www.Slackware.IT" }), "www.slackware.it");
  assert.equal(render("{{ .FQDN | ToUpper }}"), "EXAMPLE.ORG");
});

test("the ConTest sample's argument renders as ConTest renders it", () => {
  assert.equal(
    render("Title={{ Title .FQDN }}, ToUpper={{ ToUpper .FQDN }}"),
    "Title=Example.Org, ToUpper=EXAMPLE.ORG",
  );
});

test("StringVar and IntVar read variables emitted by earlier steps", () => {
  const vars = { "vars.greeting": "hi", "vars.count": 3 };
  assert.equal(render('{{ StringVar "vars.greeting" }}-{{ IntVar "vars.count" }}', vars), "hi-3");
});

test("IntVar refuses a value that is not an integer", () => {
  assert.throws(() => render('{{ IntVar "vars.greeting" }}', { "vars.greeting": "hi" }), /is not an integer/);
});

test("a variable that was never set is an error, not an empty string", () => {
  assert.throws(() => render('{{ StringVar "vars.missing" }}'), /variable "vars.missing" is not set/);
});

test("a variable reference without a step label is an error", () => {
  assert.throws(() => render('{{ StringVar "nolabel" }}'), /must be "<step label>.<name>"/);
});

test("text without actions is static and renders unchanged", () => {
  const t = new Template("plain text");
  assert.equal(t.isStatic, true);
  assert.equal(render("plain text"), "plain text");
  assert.equal(new Template("{{ .ID }}").isStatic, false);
});

test("syntax errors and unknown names are found when the template is compiled", () => {
  assert.throws(() => checkTemplates(["{{ .ID "]), /unclosed action/);
  assert.throws(() => checkTemplates(["{{ Nope .ID }}"]), /function "Nope" not defined/);
  assert.throws(() => checkTemplates(["{{ .Hostname }}"]), /unknown target field .Hostname/);
  assert.throws(() => checkTemplates(["{{ }}"]), /empty action/);
  assert.doesNotThrow(() => checkTemplates(["{{ ToUpper .FQDN }}", 3, "no actions"]));
});
