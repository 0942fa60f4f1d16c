/*
 * Branching logic in the respondent's browser: shows and hides survey questions as answers
 * change, from the logic trees the server compiled (plugin/localcap/logic_js.py).
 *
 * The evaluator reproduces the server's (instruments/logic/values.py, scalar.py,
 * scalar_functions.py) for every construct the compiler emits; a test runs both on the same
 * answers (tests/localcap/test_branching_js.py). Comments name the Python each part mirrors.
 *
 * The page carries <script type="application/json" id="qiscan-branching"> holding
 * {"logic": {field: tree}, "erase": [field], "context": {...}, "values": {column: text}}.
 * On load the script reads it, reads the form's answers, and sets or removes the `hidden`
 * attribute of each `{field}-question` element; it does it again on every input or change
 * event. Answers of hidden questions stay in the form: the server erases them on submit.
 * A question whose logic cannot be evaluated here is shown, as the server shows it.
 */
(function () {
  "use strict";

  var own = Object.prototype.hasOwnProperty;

  function has(object, key) {
    return own.call(object, key);
  }

  function copyMap(source) {
    var copy = Object.create(null);
    if (source) {
      Object.keys(source).forEach(function (key) {
        copy[key] = source[key];
      });
    }
    return copy;
  }

  // values.NUMERIC_TEXT; `$` without the m flag matches only at the very end, like fullmatch.
  var NUMERIC_TEXT = /^[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\r\n]*$/;
  // Python's str.strip() set (str.isspace), which differs from String.prototype.trim's.
  var PY_SPACE = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  var PY_STRIP = new RegExp("^" + PY_SPACE + "+|" + PY_SPACE + "+$", "g");
  // scalar_functions.TRIM_CHARACTERS (PHP's trim set).
  var PHP_TRIM = /^[ \t\n\r\0\x0b]+|[ \t\n\r\0\x0b]+$/g;
  var COUNT_LIMIT = Math.pow(2, 40);
  // kernels.UNIT_SECONDS: the products are computed in float64 as in Python.
  var UNIT_SECONDS = {
    y: 86400 * 365.2425,
    M: 86400 * 30.44,
    d: 86400.0,
    h: 3600.0,
    m: 60.0,
    s: 1.0
  };
  var DATE_FORMATS = { ymd: true, mdy: true, dmy: true };
  var DATE_TEXT = /^[ ]*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?[ ]*$/;
  var DAYS_BEFORE_MONTH = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
  var DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

  function pyStrip(text) {
    return text.replace(PY_STRIP, "");
  }

  // values.parse_number
  function parseNumber(text) {
    if (!NUMERIC_TEXT.test(text)) {
      return null;
    }
    var number = Number(pyStrip(text));
    return isFinite(number) ? number : null;
  }

  // values.format_number: Python's repr of a float without a trailing ".0".
  function formatNumber(number) {
    if (number === 0) {
      return Object.is(number, -0) ? "-0" : "0";
    }
    var parts = Math.abs(number).toExponential().split("e");
    var digits = parts[0].replace(".", "");
    var exponent = parseInt(parts[1], 10);
    var sign = number < 0 ? "-" : "";
    if (exponent >= -4 && exponent < 16) {
      if (exponent < 0) {
        return sign + "0." + "0".repeat(-exponent - 1) + digits;
      }
      if (digits.length <= exponent + 1) {
        return sign + digits + "0".repeat(exponent + 1 - digits.length);
      }
      return sign + digits.slice(0, exponent + 1) + "." + digits.slice(exponent + 1);
    }
    var mantissa = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    var power = String(Math.abs(exponent));
    return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (power.length < 2 ? "0" : "") + power;
  }

  // values.number_of
  function numberOf(value) {
    if (value === null) {
      return null;
    }
    if (typeof value === "boolean") {
      return value ? 1 : 0;
    }
    if (typeof value === "string") {
      return parseNumber(value);
    }
    return isNaN(value) ? null : value;
  }

  // values.arith_of
  function arithOf(value, missing) {
    if (typeof value === "string" && missing.has(value)) {
      return null;
    }
    return numberOf(value);
  }

  // values.text_of
  function textOf(value) {
    if (value === null) {
      return "";
    }
    if (typeof value === "boolean") {
      return value ? "1" : "0";
    }
    if (typeof value === "string") {
      return value;
    }
    return isNaN(value) ? "" : formatNumber(value);
  }

  // values.truthy
  function truthy(value) {
    if (value === null || value === undefined) {
      return false;
    }
    if (typeof value === "string") {
      var number = parseNumber(value);
      return number === null ? value !== "" : number !== 0;
    }
    if (typeof value === "boolean") {
      return value;
    }
    return !isNaN(value) && value !== 0;
  }

  // values.equal
  function equal(left, right) {
    var a = numberOf(left);
    var b = numberOf(right);
    if (a !== null && b !== null) {
      return a === b;
    }
    return textOf(left) === textOf(right);
  }

  // UTF-16 order with surrogates moved above U+E000-U+FFFF is code point order (Python's).
  function codeOrder(unit) {
    if (unit >= 0xd800 && unit <= 0xdfff) {
      return unit + 0x2000;
    }
    return unit >= 0xe000 ? unit - 0x800 : unit;
  }

  function compareText(a, b) {
    var length = Math.min(a.length, b.length);
    for (var i = 0; i < length; i++) {
      var x = a.charCodeAt(i);
      var y = b.charCodeAt(i);
      if (x !== y) {
        return codeOrder(x) - codeOrder(y);
      }
    }
    return a.length - b.length;
  }

  function order(op, difference) {
    if (op === "<") {
      return difference < 0;
    }
    if (op === "<=") {
      return difference <= 0;
    }
    if (op === ">") {
      return difference > 0;
    }
    return difference >= 0;
  }

  // values.ordered
  function ordered(op, left, right) {
    var a = numberOf(left);
    var b = numberOf(right);
    if (a !== null && b !== null) {
      return order(op, a < b ? -1 : a > b ? 1 : 0);
    }
    var leftText = textOf(left);
    var rightText = textOf(right);
    if (leftText === "" || rightText === "") {
      return false;
    }
    return order(op, compareText(leftText, rightText));
  }

  // kernels.finite: a result that is not finite is blank.
  function finite(number) {
    return number === null || !isFinite(number) ? null : number;
  }

  function arithmetic(op, a, b) {
    if (a === null || b === null) {
      return null;
    }
    if (op === "+") {
      return finite(a + b);
    }
    if (op === "-") {
      return finite(a - b);
    }
    if (op === "*") {
      return finite(a * b);
    }
    if (op === "/") {
      return finite(a / b);
    }
    throw new Error("branching.js: operator '" + op + "' is not evaluated in the browser");
  }

  // numpy's rint: half to even. Exact for the |x| < 2**52 it is used on.
  function rint(x) {
    var floor = Math.floor(x);
    var fraction = x - floor;
    if (fraction < 0.5) {
      return floor;
    }
    if (fraction > 0.5) {
      return floor + 1;
    }
    return floor % 2 === 0 ? floor : floor + 1;
  }

  // 10**k for whole k >= 0, correctly rounded (numpy's agrees up to k = 105).
  function powerOfTen(k) {
    return Number("1e" + k);
  }

  // kernels.round_to
  function roundTo(value, decimals, mode) {
    if (value === null || decimals === null) {
      return null;
    }
    var places = Math.min(308, Math.max(-308, Math.trunc(decimals)));
    var up = places >= 0;
    var factor = powerOfTen(Math.abs(places));
    var scaled = up ? value * factor : value / factor;
    var magnitude = Math.abs(scaled);
    if (!(magnitude < 1e15)) {
      return finite(value + 0.0);
    }
    var exponent = Math.min(14, Math.max(-290, Math.floor(Math.log10(magnitude))));
    var precision = powerOfTen(14 - exponent);
    var pre = magnitude > 0 ? rint(scaled * precision) / precision : scaled;
    var whole;
    if (mode === "round") {
      whole = Math.sign(pre) * Math.floor(Math.abs(pre) + 0.5);
    } else if (mode === "roundup") {
      whole = Math.ceil(pre);
    } else {
      whole = Math.floor(pre);
    }
    // + 0.0 turns -0 into 0, as in the kernel.
    return finite((up ? whole / factor : whole * factor) + 0.0);
  }

  // numpy's fmin/fmax: NaN (blank) skipped; on a tie the first operand.
  function fold(pick, numbers) {
    var result = numbers[0];
    for (var i = 1; i < numbers.length; i++) {
      var next = numbers[i];
      if (next === null) {
        continue;
      }
      if (result === null || pick(next, result)) {
        result = next;
      }
    }
    return result;
  }

  // kernels.aggregate
  function aggregate(name, numbers) {
    var present = numbers.filter(function (n) {
      return n !== null;
    });
    var total = 0;
    present.forEach(function (n) {
      total = total + n;
    });
    var count = present.length;
    if (name === "sum") {
      return count > 0 ? finite(total) : null;
    }
    if (name === "mean") {
      return count > 0 ? finite(total / count) : null;
    }
    if (name === "min") {
      return fold(function (next, best) { return next < best; }, numbers);
    }
    if (name === "max") {
      return fold(function (next, best) { return next > best; }, numbers);
    }
    if (name === "median") {
      if (count === 0) {
        return null;
      }
      var sorted = present.slice().sort(function (a, b) { return a - b; });
      return finite((sorted[Math.floor((count - 1) / 2)] + sorted[Math.floor(count / 2)]) / 2);
    }
    if (count < 2) {
      return null;
    }
    var mean = total / count;
    var squares = 0;
    present.forEach(function (n) {
      squares = squares + (n - mean) * (n - mean);
    });
    return finite(Math.sqrt(squares / (count - 1)));
  }

  // dates.parse_moment: seconds since 0001-01-01 00:00:00, as date.toordinal() counts.
  function momentOf(year, month, day, hour, minute, second) {
    var leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (year < 1 || month < 1 || month > 12 || day < 1) {
      return null;
    }
    if (day > DAYS_IN_MONTH[month] + (month === 2 && leap ? 1 : 0)) {
      return null;
    }
    if (hour > 23 || minute > 59 || second > 59) {
      return null;
    }
    var before = year - 1;
    var ordinal = before * 365 + Math.floor(before / 4) - Math.floor(before / 100) +
      Math.floor(before / 400) + DAYS_BEFORE_MONTH[month] + (month > 2 && leap ? 1 : 0) + day;
    return {
      year: year,
      month: month,
      day: day,
      seconds: ordinal * 86400 + hour * 3600 + minute * 60 + second
    };
  }

  function readDate(text) {
    var match = DATE_TEXT.exec(text);
    if (match === null) {
      return null;
    }
    var parts = match.slice(1).map(function (part) {
      return part ? parseInt(part, 10) : 0;
    });
    return momentOf(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
  }

  function parseMoment(text, clock) {
    var word = pyStrip(text).toLowerCase();
    if (word === "today" || word === "now") {
      return clock[word];
    }
    return readDate(text);
  }

  // dates.clock_for: the server's clock from the context, else the browser's.
  function clockFor(context) {
    var now = context.now ? readDate(context.now) : null;
    if (now === null) {
      var d = new Date();
      now = momentOf(d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(),
        d.getMinutes(), d.getSeconds());
    }
    var today = momentOf(now.year, now.month, now.day, 0, 0, 0);
    return { today: today, now: now };
  }

  // scalar_functions.signed_flag
  function signedFlag(value) {
    if (typeof value === "string") {
      var word = pyStrip(value).toLowerCase();
      if (word === "true" || word === "false") {
        return word === "true";
      }
    }
    return truthy(value);
  }

  function datediff(args, state) {
    var start = parseMoment(textOf(args[0]), state.clock);
    var end = parseMoment(textOf(args[1]), state.clock);
    var unitName = pyStrip(textOf(args[2]));
    var unit = has(UNIT_SECONDS, unitName) ? UNIT_SECONDS[unitName] : null;
    var signed = false;
    if (args.length === 5) {
      signed = signedFlag(args[4]);
    } else if (args.length === 4 && !has(DATE_FORMATS, pyStrip(textOf(args[3])).toLowerCase())) {
      signed = signedFlag(args[3]);
    }
    if (start === null || end === null || unit === null) {
      return null;
    }
    var difference = (end.seconds - start.seconds) / unit;
    return finite(signed ? difference : Math.abs(difference));
  }

  function datePart(part) {
    return function (args, state) {
      var moment = parseMoment(textOf(args[0]), state.clock);
      return moment === null ? null : moment[part];
    };
  }

  // scalar_functions._count: a count or position, truncated and clipped.
  function count(value, state) {
    var number = arithOf(value, state.missing);
    if (number === null) {
      return null;
    }
    return Math.max(-COUNT_LIMIT, Math.min(COUNT_LIMIT, Math.trunc(number)));
  }

  // Python indexes text by code point.
  function codePoints(text) {
    return Array.from(text);
  }

  function numbers(args, state) {
    return args.map(function (arg) {
      return arithOf(arg, state.missing);
    });
  }

  function textTest(test) {
    return function (args) {
      return test(textOf(args[0]).toLowerCase(), textOf(args[1]).toLowerCase());
    };
  }

  function missingTest(test) {
    return function (args, state) {
      return test(textOf(args[0]), state.missing);
    };
  }

  function aggregateOf(name) {
    return function (args, state) {
      return aggregate(name, numbers(args, state));
    };
  }

  function rounding(mode) {
    return function (args, state) {
      var n = numbers(args, state);
      return roundTo(n[0], n.length > 1 ? n[1] : 0, mode);
    };
  }

  // scalar_functions._FUNCTIONS, less exponential and log (see logic_js.py).
  var FUNCTIONS = {
    sum: aggregateOf("sum"),
    mean: aggregateOf("mean"),
    min: aggregateOf("min"),
    max: aggregateOf("max"),
    median: aggregateOf("median"),
    stdev: aggregateOf("stdev"),
    round: rounding("round"),
    roundup: rounding("roundup"),
    rounddown: rounding("rounddown"),
    abs: function (args, state) {
      var n = numbers(args, state)[0];
      return n === null ? null : Math.abs(n);
    },
    sqrt: function (args, state) {
      var n = numbers(args, state)[0];
      return n === null ? null : finite(Math.sqrt(n));
    },
    mod: function (args, state) {
      var n = numbers(args, state);
      return n[0] === null || n[1] === null ? null : finite(n[0] % n[1]);
    },
    datediff: datediff,
    isnumber: function (args) {
      return numberOf(args[0]) !== null;
    },
    isinteger: function (args) {
      var n = numberOf(args[0]);
      return n !== null && Number.isInteger(n);
    },
    year: datePart("year"),
    month: datePart("month"),
    day: datePart("day"),
    contains: textTest(function (haystack, needle) { return haystack.indexOf(needle) >= 0; }),
    not_contain: textTest(function (haystack, needle) { return haystack.indexOf(needle) < 0; }),
    starts_with: textTest(function (haystack, needle) { return haystack.startsWith(needle); }),
    ends_with: textTest(function (haystack, needle) { return haystack.endsWith(needle); }),
    left: function (args, state) {
      var n = count(args[1], state);
      return n === null || n <= 0 ? "" : codePoints(textOf(args[0])).slice(0, n).join("");
    },
    right: function (args, state) {
      var n = count(args[1], state);
      return n === null || n <= 0 ? "" : codePoints(textOf(args[0])).slice(-n).join("");
    },
    mid: function (args, state) {
      var start = count(args[1], state);
      var n = count(args[2], state);
      if (start === null || n === null || n <= 0) {
        return "";
      }
      var begin = Math.max(start, 1) - 1;
      return codePoints(textOf(args[0])).slice(begin, begin + n).join("");
    },
    length: function (args) {
      return codePoints(textOf(args[0])).length;
    },
    find: function (args) {
      var haystack = textOf(args[1]).toLowerCase();
      var at = haystack.indexOf(textOf(args[0]).toLowerCase());
      return at < 0 ? 0 : codePoints(haystack.slice(0, at)).length + 1;
    },
    concat: function (args) {
      return args.map(textOf).join("");
    },
    concat_ws: function (args) {
      var pieces = args.slice(1).map(textOf).filter(function (piece) { return piece !== ""; });
      return pieces.join(textOf(args[0]));
    },
    upper: function (args) {
      return textOf(args[0]).toUpperCase();
    },
    lower: function (args) {
      return textOf(args[0]).toLowerCase();
    },
    trim: function (args) {
      return textOf(args[0]).replace(PHP_TRIM, "");
    },
    replace_text: function (args) {
      var text = textOf(args[0]);
      var search = textOf(args[1]);
      return search === "" ? text : text.split(search).join(textOf(args[2]));
    },
    isblankormissingcode: missingTest(function (text, codes) {
      return text === "" || codes.has(text);
    }),
    isblanknotmissingcode: missingTest(function (text, codes) {
      return text === "" && !codes.has(text);
    }),
    ismissingcode: missingTest(function (text, codes) {
      return text !== "" && codes.has(text);
    })
  };

  function cellText(row, column) {
    if (!has(row, column)) {
      return "";
    }
    var raw = row[column];
    return typeof raw === "string" ? raw : raw === null || raw === undefined ? "" : String(raw);
  }

  // scalar._RecordEvaluator.read: another event's row is not on the page, so it reads blank.
  function read(node, state) {
    var own = state.values[state.context.event_column || "redcap_event_name"];
    var here = node.event === null || node.event === undefined ||
      (typeof own === "string" && node.event === own);
    var text = here ? cellText(state.values, node.column) : "";
    if (!node.checkbox) {
      return text;
    }
    var number = numberOf(text);
    return number !== null && number !== 0 ? "1" : "0";
  }

  function evalNode(node, state) {
    switch (node.kind) {
      case "number":
      case "text":
      case "bool":
        return node.value;
      case "ref":
        return read(node, state);
      case "negate": {
        var operand = arithOf(evalNode(node.operand, state), state.missing);
        return operand === null ? null : -operand;
      }
      case "not":
        return !truthy(evalNode(node.operand, state));
      case "arith":
        return arithmetic(node.op, arithOf(evalNode(node.left, state), state.missing),
          arithOf(evalNode(node.right, state), state.missing));
      case "compare": {
        var left = evalNode(node.left, state);
        var right = evalNode(node.right, state);
        if (node.op === "=") {
          return equal(left, right);
        }
        if (node.op === "<>") {
          return !equal(left, right);
        }
        return ordered(node.op, left, right);
      }
      case "logical":
        if (node.op === "and") {
          return truthy(evalNode(node.left, state)) && truthy(evalNode(node.right, state));
        }
        return truthy(evalNode(node.left, state)) || truthy(evalNode(node.right, state));
      case "call": {
        if (node.name === "if") {
          var branch = truthy(evalNode(node.args[0], state)) ? node.args[1] : node.args[2];
          return evalNode(branch, state);
        }
        if (!has(FUNCTIONS, node.name)) {
          throw new Error("branching.js: function '" + node.name + "' is not evaluated in the browser");
        }
        var args = node.args.map(function (arg) { return evalNode(arg, state); });
        return FUNCTIONS[node.name](args, state);
      }
      default:
        throw new Error("branching.js: unknown node kind '" + node.kind + "'");
    }
  }

  // lookup.check_columns: every reference is checked before anything is computed.
  function checkReferences(node, values, checkboxes) {
    if (node.kind === "ref") {
      if (!node.checkbox && has(checkboxes, node.field)) {
        throw new Error("[" + node.field + "] is a checkbox field: refer to one option as [" +
          node.field + "(code)]");
      }
      if (!has(values, node.column)) {
        throw new Error("unknown field '" + node.field + "' (column '" + node.column + "')");
      }
      return;
    }
    [node.operand, node.left, node.right].concat(node.args || []).forEach(function (child) {
      if (child) {
        checkReferences(child, values, checkboxes);
      }
    });
  }

  // instruments.logic.evaluate: the value of a tree for one row (blank text comes back null).
  function evaluate(tree, values, context) {
    context = context || {};
    checkReferences(tree, values, context.checkboxes || {});
    var state = {
      values: values,
      context: context,
      missing: new Set(context.missing_codes || []),
      clock: clockFor(context)
    };
    var value = evalNode(tree, state);
    return value === "" ? null : value;
  }

  // survey_checks.shown: logic that cannot be evaluated shows the question.
  function shown(tree, values, context) {
    try {
      return truthy(evaluate(tree, values, context));
    } catch (error) {
      return true;
    }
  }

  // The columns a hidden question is blanked in, and their blank value.
  function blank(field, values, context) {
    var checkboxes = context.checkboxes || {};
    var columns = has(checkboxes, field) ? Object.keys(checkboxes[field]).map(function (code) {
      return checkboxes[field][code];
    }) : [field];
    var empty = has(checkboxes, field) ? "0" : "";
    var changed = false;
    columns.forEach(function (column) {
      if (has(values, column) && values[column] !== empty) {
        values[column] = empty;
        changed = true;
      }
    });
    return changed;
  }

  // What survey_pages.collected decides: questions branching hides are blanked, again and again
  // until nothing changes (a blanked answer may hide another in turn); then every question's
  // logic is read over the blanked answers.
  function shownFields(block, values) {
    var context = block.context || {};
    var logic = block.logic || {};
    var fields = Object.keys(logic);
    var erase = new Set(block.erase || []);
    var working = copyMap(values);
    var result = {};
    function decide() {
      fields.forEach(function (field) {
        result[field] = shown(logic[field], working, context);
      });
    }
    for (var round = 0; round <= fields.length; round++) {
      decide();
      var changed = false;
      fields.forEach(function (field) {
        if (!result[field] && erase.has(field) && blank(field, working, context)) {
          changed = true;
        }
      });
      if (!changed) {
        return result;
      }
    }
    decide();
    return result;
  }

  // Python's \d and int() take any decimal digit (Unicode Nd), not only 0-9.
  var MDY_DMY = /^(\p{Nd}{1,2})[-/.](\p{Nd}{1,2})[-/.](\p{Nd}{4})([^\n]*)$/u;
  var DIGIT = /\p{Nd}/u;

  // Unicode assigns decimal digits in runs of ten, 0 to 9, so a digit's value is its distance
  // from the start of its run of digits, modulo ten.
  function digitValue(character) {
    var point = character.codePointAt(0);
    var start = point;
    while (DIGIT.test(String.fromCodePoint(start - 1))) {
      start--;
    }
    return (point - start) % 10;
  }

  function twoDigits(text) {
    var number = Array.from(text).reduce(function (total, character) {
      return total * 10 + digitValue(character);
    }, 0);
    return (number < 10 ? "0" : "") + number;
  }

  // survey_answers.normalised: stripped; a date or date-time as the server stores it (a space
  // for the browser's "T", a date typed month or day first turned year first).
  function normalised(text, order) {
    text = pyStrip(text);
    if (order === undefined) {
      return text;
    }
    text = text.replace("T", " ");
    var typed = MDY_DMY.exec(text);
    if (typed === null || (order !== "mdy" && order !== "dmy")) {
      return text;
    }
    var month = order === "mdy" ? typed[1] : typed[2];
    var day = order === "mdy" ? typed[2] : typed[1];
    return typed[3] + "-" + twoDigits(month) + "-" + twoDigits(day) + typed[4];
  }

  var NOT_ANSWERS = new Set(["file", "submit", "reset", "button", "image"]);

  // The answers as the server reads the submitted form: the first value of each name, with
  // line breaks as submitted (CRLF), normalised; one 1/0 column per checkbox option. Disabled
  // controls are not submitted (the server keeps the stored value: it comes from the block's
  // values). Controls named "__..." are the page's own, not answers.
  function readForm(form, context) {
    var checkboxes = context.checkboxes || {};
    var dates = context.dates || {};
    var data = new FormData(form);
    var values = Object.create(null);
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || name.indexOf("__") === 0 || element.disabled || NOT_ANSWERS.has(element.type) ||
          element.tagName === "BUTTON" || element.tagName === "FIELDSET") {
        return;
      }
      if (has(checkboxes, name)) {
        var picked = data.getAll(name);
        Object.keys(checkboxes[name]).forEach(function (code) {
          values[checkboxes[name][code]] = picked.indexOf(code) >= 0 ? "1" : "0";
        });
        return;
      }
      var value = data.get(name);
      values[name] = typeof value === "string"
        ? normalised(value.replace(/\r\n|\r|\n/g, "\r\n"), has(dates, name) ? dates[name] : undefined)
        : "";
    });
    return values;
  }

  function readBlock() {
    var element = document.getElementById("qiscan-branching");
    if (!element) {
      return null;
    }
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  function start() {
    var marker = document.querySelector('input[name="__js"]');
    if (marker) {
      marker.value = "1";
    }
    var block = readBlock();
    if (!block || !block.logic) {
      return;
    }
    var firstKey = Object.keys(block.logic)[0];
    var first = firstKey ? document.getElementById(firstKey + "-question") : null;
    var form = (marker && marker.form) || (first && first.closest("form")) || document.forms[0];
    if (!form) {
      return;
    }
    var context = block.context || {};
    function update() {
      var values = copyMap(block.values);
      var answers = readForm(form, context);
      Object.keys(answers).forEach(function (column) {
        values[column] = answers[column];
      });
      var visible = shownFields(block, values);
      Object.keys(visible).forEach(function (field) {
        var wrapper = document.getElementById(field + "-question");
        if (wrapper) {
          wrapper.hidden = !visible[field];
        }
      });
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  window.qiscanLogic = {
    evaluate: evaluate,
    truthy: truthy,
    shown: shown,
    shownFields: shownFields,
    readForm: readForm,
    normalised: normalised,
    textOf: textOf,
    formatNumber: formatNumber
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
