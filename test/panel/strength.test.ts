import { roundStrength, STRENGTH_LIMIT, STRENGTH_STEPS } from "../../plugin/src/model/strength";

test("the slider spans ±4 appearance units in steps of 0.02", () => {
  expect(STRENGTH_LIMIT).toBe(4);
  expect((2 * STRENGTH_LIMIT) / STRENGTH_STEPS).toBe(0.02);
});

test("strengths are rounded to the slider's step without float noise", () => {
  expect(roundStrength(1.1400001, STRENGTH_LIMIT)).toBe(1.14);
  expect(roundStrength(0.30000000000000004, STRENGTH_LIMIT)).toBe(0.3);
  expect(roundStrength(57.3, 100)).toBe(57.5);
  expect(roundStrength(-1.333, STRENGTH_LIMIT)).toBe(-1.34);
});
