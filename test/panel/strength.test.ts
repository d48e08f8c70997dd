import { DEFAULT_STRENGTH_LIMIT, niceCeil, roundStrength, strengthLimit } from "../../plugin/src/model/strength";

test("slider ends are round numbers at twice the appearance's span", () => {
  expect([0.7, 1, 1.2, 3, 7, 18, 150].map(niceCeil)).toEqual([1, 1, 2, 5, 10, 20, 200]);
  expect(strengthLimit(9)).toBe(20);
  expect(strengthLimit(60)).toBe(200);
  expect(strengthLimit(undefined)).toBe(DEFAULT_STRENGTH_LIMIT);
  expect(strengthLimit(0)).toBe(DEFAULT_STRENGTH_LIMIT);
});

test("strengths are rounded to the slider's step without float noise", () => {
  expect(roundStrength(11.4000001, 20)).toBe(11.4);
  expect(roundStrength(0.30000000000000004, 2)).toBe(0.3);
  expect(roundStrength(57.3, 100)).toBe(57);
  expect(roundStrength(-1.333, 2)).toBe(-1.34);
});
