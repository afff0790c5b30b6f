#!/usr/bin/env python3
"""Reads a .trx test result file. `summary` prints every failed test with its message and the top of its stack;
`filter` prints a `dotnet test --filter` expression naming the failed test methods (empty when none failed)."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def failed(path):
    root = ET.parse(path).getroot()
    methods = {}
    for test in root.iterfind("t:TestDefinitions/t:UnitTest", NS):
        method = test.find("t:TestMethod", NS)
        methods[test.get("id")] = f'{method.get("className")}.{method.get("name")}'
    for result in root.iterfind("t:Results/t:UnitTestResult", NS):
        if result.get("outcome") != "Failed":
            continue
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", "", NS).strip()
        stack = result.findtext("t:Output/t:ErrorInfo/t:StackTrace", "", NS).strip()
        yield result.get("testName"), methods.get(result.get("testId"), ""), result.get("duration"), message, stack


def main():
    path, mode = sys.argv[1], sys.argv[2]
    results = list(failed(path))
    if mode == "summary":
        print(f"==== {len(results)} failed test(s) in {path}")
        for name, _, duration, message, stack in results:
            print(f"---- FAILED {name} (duration {duration})")
            print(message[:4000])
            print("\n".join(stack.splitlines()[:15]))
    elif mode == "filter":
        names = sorted({method for _, method, _, _, _ in results if method})
        print("|".join(f"FullyQualifiedName={name}" for name in names))
    elif mode == "count":
        print(len(results))


if __name__ == "__main__":
    main()
