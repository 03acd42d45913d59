import { parse, validate, type OperationDefinitionNode } from "graphql";
import { EXAMPLE_OPERATIONS, exampleOperationsDocument } from "../../src/graphql/exampleOperations";
import { buildApiSchema } from "../../src/graphql/schema";

// The explorer's tabs and Apollo Sandbox's document: what a new user runs first must be valid.
describe("the example operations of the explorer and Apollo Sandbox", () => {
  const schema = buildApiSchema();

  test.each(EXAMPLE_OPERATIONS.map((operation) => [operation.name, operation] as const))(
    "%s is one operation of that name, valid against the schema",
    (name, operation) => {
      const document = parse(operation.document);
      expect(document.definitions.map((definition) => (definition as OperationDefinitionNode).name?.value)).toEqual([name]);
      expect(validate(schema, document)).toEqual([]);
    },
  );

  test("headers, where given, are JSON with an Authorization header to fill in", () => {
    for (const operation of EXAMPLE_OPERATIONS.filter((candidate) => candidate.headers !== undefined)) {
      expect(JSON.parse(operation.headers!)).toEqual({ Authorization: "Bearer paste-accessToken-here" });
    }
  });

  test("Sandbox's one document holds all of them, valid together", () => {
    const document = parse(exampleOperationsDocument());
    expect(document.definitions).toHaveLength(EXAMPLE_OPERATIONS.length);
    expect(validate(schema, document)).toEqual([]);
  });
});
