/**
 * What `require("photoshop")` gives under jest (moduleNameMapper): one shared FakePhotoshop.
 * Tests of the host build their own FakePhotoshop; this one is for code that imports the module.
 */
import { FakePhotoshop } from "./photoshop";

export const fake = new FakePhotoshop();
export const { app, core, imaging, constants, action } = fake.api;
