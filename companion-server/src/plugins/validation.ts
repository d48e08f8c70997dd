/**
 * Request validation. Bodies are JSON and validated strictly: no type coercion (a number is
 * not a model id) and no silent removal of unknown fields (a typo such as "sed" is an error).
 * Query strings and params arrive as text, so there numbers and booleans are coerced.
 * strictNumbers keeps NaN and Infinity (JSON 1e999 parses to Infinity) out everywhere.
 */
import Ajv, { ValidateFunction } from "ajv";
import { FastifySchemaCompiler } from "fastify";

const strict = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: true, strict: false, strictNumbers: true });
const coercing = new Ajv({ allErrors: false, coerceTypes: "array", removeAdditional: false, useDefaults: true, strict: false, strictNumbers: true });

export const compileValidator: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const validate: ValidateFunction = (httpPart === "body" ? strict : coercing).compile(schema as object);
  return (data: unknown) => (validate(data) ? { value: data } : { error: Object.assign(new Error("validation failed"), { validation: validate.errors }) });
};
