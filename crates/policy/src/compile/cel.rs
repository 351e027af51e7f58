//! CelExpr: a CEL expression over a hook's integer arguments, compiled to the stack program the
//! kernel's selector library runs (`auspex_cel_eval`, `bpf/lib/selectors.h`).
//!
//! What an expression may use (as Tetragon's CEL-to-BPF compiler): `argN`, the N-th entry of
//! the hook's `args` (its position, not its `index`), and `dataN`, the N-th entry of its `data`,
//! when they are integers (older Tetragon policies list positions in the matchArgs entry's own
//! `args:`; `argN` is then the N-th of those, see [`CelScope`]); integer literals
//! (`5`, `-1`, `5u`) and `true`/`false`; the conversions `int32()`, `uint32()`, `int()`/`int64()`,
//! `uint()`/`uint64()`; `+` and `-`; `==`, `!=`, `<`, `<=`, `>`, `>=`; `&&`, `||`, `!`. Types
//! follow CEL: an operator takes two values of one type, so `arg0 > 5` on an `int` (int32)
//! argument is written `arg0 > int32(5)`. 32-bit arithmetic wraps at 32 bits; conversions
//! between signed and unsigned reinterpret the bits (CEL would raise an error on overflow).
//!
//! The program is a list of [`CelInsn`]: values are 64-bit words on a stack of [`STACK`]
//! entries; the expression matches when the program leaves one non-zero word.

use cel::common::ast::{Expr, IdedExpr, LiteralValue, operators};

/// Instructions of a program at most (`AUSPEX_CEL_MAX_INSNS`).
pub const MAX_INSNS: usize = 32;
/// Stack entries (`AUSPEX_CEL_STACK`).
pub const STACK: usize = 8;

/// Instruction codes (`AUSPEX_CEL_*`).
pub mod insn {
    /// Push argument `arg` (its 64-bit value, sign- or zero-extended).
    pub const ARG: u8 = 1;
    /// Push `imm`.
    pub const IMM: u8 = 2;
    /// Pop b, a; push a + b.
    pub const ADD: u8 = 3;
    /// Pop b, a; push a - b.
    pub const SUB: u8 = 4;
    /// Pop b, a; push a == b.
    pub const EQ: u8 = 5;
    /// Pop b, a; push a != b.
    pub const NE: u8 = 6;
    /// Pop b, a; push a < b (signed).
    pub const LT: u8 = 7;
    /// Pop b, a; push a <= b (signed).
    pub const LE: u8 = 8;
    /// Pop b, a; push a < b (unsigned).
    pub const LTU: u8 = 9;
    /// Pop b, a; push a <= b (unsigned).
    pub const LEU: u8 = 10;
    /// Pop b, a; push a && b (both 0 or 1).
    pub const AND: u8 = 11;
    /// Pop b, a; push a || b.
    pub const OR: u8 = 12;
    /// Top = !top.
    pub const NOT: u8 = 13;
    /// Top = the low 32 bits, sign-extended.
    pub const S32: u8 = 14;
    /// Top = the low 32 bits, zero-extended.
    pub const U32: u8 = 15;
    /// [`ARG`]'s `arg` for the return value (matchReturnArgs; `AUSPEX_CEL_ARG_RETURN`).
    pub const ARG_RETURN: u8 = 0xff;
}

/// One instruction (`struct auspex_cel_insn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CelInsn {
    /// [`insn`] code.
    pub op: u8,
    /// Argument position ([`insn::ARG`]).
    pub arg: u8,
    /// Value ([`insn::IMM`]).
    pub imm: i64,
}

/// The CEL type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CelType {
    /// `int32` (arguments of 1 to 4 signed bytes).
    Int32,
    /// `uint32`.
    Uint32,
    /// `int`.
    Int64,
    /// `uint`.
    Uint64,
    /// `bool`.
    Bool,
}

impl CelType {
    fn name(self) -> &'static str {
        match self {
            CelType::Int32 => "int32",
            CelType::Uint32 => "uint32",
            CelType::Int64 => "int",
            CelType::Uint64 => "uint",
            CelType::Bool => "bool",
        }
    }

    fn signed(self) -> bool {
        matches!(self, CelType::Int32 | CelType::Int64)
    }

    /// The instruction that brings a 64-bit result back to this type's range.
    fn narrow(self) -> Option<u8> {
        match self {
            CelType::Int32 => Some(insn::S32),
            CelType::Uint32 => Some(insn::U32),
            _ => None,
        }
    }
}

/// A value an expression may name: where the kernel finds it (position among the hook's
/// compiled arguments, data entries following the arguments) and its type (`None`: not an
/// integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CelVar {
    /// Position in the hook's compiled arguments.
    pub pos: u8,
    /// Its CEL type; `None` for a value CelExpr cannot compare (a string, a socket …).
    pub ty: Option<CelType>,
}

/// The names of an expression: `argN` is `args[N]`, `dataN` is `data[N]`.
#[derive(Debug, Clone, Default)]
pub struct CelScope {
    /// What `arg0`, `arg1`, … stand for.
    pub args: Vec<CelVar>,
    /// What `data0`, `data1`, … stand for.
    pub data: Vec<CelVar>,
}

impl CelScope {
    /// The usual scope: `argN` is the hook's N-th argument, `dataN` its N-th data entry.
    pub fn new(args: &[Option<CelType>], data: &[Option<CelType>]) -> CelScope {
        let var = |(pos, ty): (usize, &Option<CelType>)| CelVar {
            pos: u8::try_from(pos).unwrap_or(u8::MAX),
            ty: *ty,
        };
        CelScope {
            args: args.iter().enumerate().map(var).collect(),
            data: data
                .iter()
                .enumerate()
                .map(|(i, ty)| var((args.len() + i, ty)))
                .collect(),
        }
    }
}

/// Compiles `source` with the names of `scope`. The error says what is wrong, for people.
pub fn compile(source: &str, scope: &CelScope) -> Result<Vec<CelInsn>, String> {
    let ast = cel::parser::Parser::default()
        .parse(source)
        .map_err(|e| format!("does not parse: {e}"))?;
    let mut c = Codegen {
        scope,
        out: Vec::new(),
    };
    let ty = c.expr(&ast)?;
    if ty != CelType::Bool {
        return Err(format!(
            "is of type {}; a CelExpr filter must be a condition (bool)",
            ty.name()
        ));
    }
    if c.out.len() > MAX_INSNS {
        return Err(format!(
            "compiles to {} instructions; the in-kernel engine runs at most {MAX_INSNS}",
            c.out.len()
        ));
    }
    let depth = stack_depth(&c.out);
    if depth > STACK {
        return Err(format!(
            "needs {depth} stack entries; the in-kernel engine has {STACK} (nest less deeply)"
        ));
    }
    Ok(c.out)
}

/// The deepest stack the program reaches.
fn stack_depth(prog: &[CelInsn]) -> usize {
    let (mut sp, mut max) = (0usize, 0usize);
    for i in prog {
        match i.op {
            insn::ARG | insn::IMM => sp += 1,
            insn::NOT | insn::S32 | insn::U32 => {}
            _ => sp = sp.saturating_sub(1),
        }
        max = max.max(sp);
    }
    max
}

/// Runs a program on argument values as the kernel does (the reference for tests); `None` when
/// the program is malformed.
pub fn eval(prog: &[CelInsn], args: &[i64]) -> Option<bool> {
    let mut st: Vec<i64> = Vec::with_capacity(STACK);
    for i in prog.iter().take(MAX_INSNS) {
        match i.op {
            insn::ARG => st.push(*args.get(usize::from(i.arg))?),
            insn::IMM => st.push(i.imm),
            insn::NOT | insn::S32 | insn::U32 => {
                let v = st.last_mut()?;
                *v = match i.op {
                    insn::NOT => i64::from(*v == 0),
                    insn::S32 => i64::from(*v as i32),
                    _ => i64::from(*v as u32),
                };
            }
            op => {
                let b = st.pop()?;
                let a = st.pop()?;
                st.push(match op {
                    insn::ADD => a.wrapping_add(b),
                    insn::SUB => a.wrapping_sub(b),
                    insn::EQ => i64::from(a == b),
                    insn::NE => i64::from(a != b),
                    insn::LT => i64::from(a < b),
                    insn::LE => i64::from(a <= b),
                    insn::LTU => i64::from((a as u64) < (b as u64)),
                    insn::LEU => i64::from((a as u64) <= (b as u64)),
                    insn::AND => i64::from(a != 0 && b != 0),
                    insn::OR => i64::from(a != 0 || b != 0),
                    _ => return None,
                });
            }
        }
        if st.len() > STACK {
            return None;
        }
    }
    (st.len() == 1).then(|| st[0] != 0)
}

struct Codegen<'a> {
    scope: &'a CelScope,
    out: Vec<CelInsn>,
}

const SUPPORTED: &str = "argN, dataN, integer literals, int32() uint32() int() uint() conversions, + -, == != < <= > >=, && || !";

impl Codegen<'_> {
    fn emit(&mut self, op: u8, arg: u8, imm: i64) {
        self.out.push(CelInsn { op, arg, imm });
    }

    fn expr(&mut self, e: &IdedExpr) -> Result<CelType, String> {
        match &e.expr {
            Expr::Literal(LiteralValue::Int(i)) => {
                self.emit(insn::IMM, 0, i.into_inner());
                Ok(CelType::Int64)
            }
            Expr::Literal(LiteralValue::UInt(u)) => {
                self.emit(insn::IMM, 0, u.into_inner() as i64);
                Ok(CelType::Uint64)
            }
            Expr::Literal(LiteralValue::Boolean(b)) => {
                self.emit(insn::IMM, 0, i64::from(b.into_inner()));
                Ok(CelType::Bool)
            }
            Expr::Ident(name) => self.arg(name),
            Expr::Call(call) if call.target.is_none() => {
                let args: Vec<&IdedExpr> = call.args.iter().collect();
                self.call(&call.func_name, &args)
            }
            other => Err(format!(
                "uses {}, which the in-kernel engine does not evaluate (supported: {SUPPORTED})",
                describe(other)
            )),
        }
    }

    fn arg(&mut self, name: &str) -> Result<CelType, String> {
        let number = |prefix: &str| -> Option<usize> { name.strip_prefix(prefix)?.parse().ok() };
        let (vars, n, what) = match (number("arg"), number("data")) {
            (Some(n), _) => (&self.scope.args, n, "argument"),
            (_, Some(n)) => (&self.scope.data, n, "data entry"),
            _ => {
                return Err(format!(
                    "uses {name:?}; the hook's arguments are arg0, arg1, … (their positions in args) and its data entries data0, data1, …"
                ));
            }
        };
        match vars.get(n) {
            None => Err(format!(
                "uses {name}, but there are {} {what}(s) to name",
                vars.len()
            )),
            Some(CelVar { ty: None, .. }) => Err(format!(
                "uses {name}, which is not an integer {what}; CelExpr compares integers (strings, paths and sockets have operators of their own)"
            )),
            Some(CelVar { pos, ty: Some(ty) }) => {
                self.emit(insn::ARG, *pos, 0);
                Ok(*ty)
            }
        }
    }

    fn call(&mut self, f: &str, args: &[&IdedExpr]) -> Result<CelType, String> {
        let conversion = match f {
            "int32" => Some(CelType::Int32),
            "uint32" => Some(CelType::Uint32),
            "int" | "int64" => Some(CelType::Int64),
            "uint" | "uint64" => Some(CelType::Uint64),
            _ => None,
        };
        if let Some(to) = conversion {
            let [x] = args else {
                return Err(format!("{f}() takes one value"));
            };
            return self.convert(to, x);
        }
        match (f, args) {
            (operators::NEGATE, [x]) => {
                // A negative literal stays a literal.
                if let Expr::Literal(LiteralValue::Int(i)) = &x.expr {
                    self.emit(insn::IMM, 0, i.into_inner().wrapping_neg());
                    return Ok(CelType::Int64);
                }
                self.emit(insn::IMM, 0, 0);
                let ty = self.expr(x)?;
                if !ty.signed() {
                    return Err(format!("negates a value of type {}", ty.name()));
                }
                self.emit(insn::SUB, 0, 0);
                self.narrow(ty);
                Ok(ty)
            }
            (operators::LOGICAL_NOT, [x]) => {
                self.want(x, CelType::Bool, "!")?;
                self.emit(insn::NOT, 0, 0);
                Ok(CelType::Bool)
            }
            (operators::LOGICAL_AND | operators::LOGICAL_OR, [a, b]) => {
                let (sym, code) = binary_op(f);
                self.want(a, CelType::Bool, sym)?;
                self.want(b, CelType::Bool, sym)?;
                self.emit(code, 0, 0);
                Ok(CelType::Bool)
            }
            (operators::ADD | operators::SUBSTRACT, [a, b]) => {
                let (sym, code) = binary_op(f);
                let ty = self.pair(a, b, sym)?;
                if ty == CelType::Bool {
                    return Err("adds or subtracts bools".into());
                }
                self.emit(code, 0, 0);
                self.narrow(ty);
                Ok(ty)
            }
            (operators::EQUALS | operators::NOT_EQUALS, [a, b]) => {
                let (sym, code) = binary_op(f);
                self.pair(a, b, sym)?;
                self.emit(code, 0, 0);
                Ok(CelType::Bool)
            }
            (
                operators::LESS
                | operators::LESS_EQUALS
                | operators::GREATER
                | operators::GREATER_EQUALS,
                [a, b],
            ) => {
                // a > b is b < a: the operands go on the stack swapped.
                let swapped = matches!(f, operators::GREATER | operators::GREATER_EQUALS);
                let (x, y) = if swapped { (b, a) } else { (a, b) };
                let sym = match f {
                    operators::LESS => "<",
                    operators::LESS_EQUALS => "<=",
                    operators::GREATER => ">",
                    _ => ">=",
                };
                let ty = self.pair_ordered(x, y, sym, swapped)?;
                if ty == CelType::Bool {
                    return Err(format!("orders bools with {sym}"));
                }
                let strict = matches!(f, operators::LESS | operators::GREATER);
                let code = match (ty.signed(), strict) {
                    (true, true) => insn::LT,
                    (true, false) => insn::LE,
                    (false, true) => insn::LTU,
                    (false, false) => insn::LEU,
                };
                self.emit(code, 0, 0);
                Ok(CelType::Bool)
            }
            _ => Err(format!(
                "calls {}, which the in-kernel engine does not evaluate (supported: {SUPPORTED})",
                f.trim_matches('_')
            )),
        }
    }

    /// Two operands of one type; returns it.
    fn pair(&mut self, a: &IdedExpr, b: &IdedExpr, op: &str) -> Result<CelType, String> {
        self.pair_ordered(a, b, op, false)
    }

    /// [`Self::pair`] with the operands emitted in swapped order (`swapped`: `a` is the
    /// right-hand side as written, for the message).
    fn pair_ordered(
        &mut self,
        a: &IdedExpr,
        b: &IdedExpr,
        op: &str,
        swapped: bool,
    ) -> Result<CelType, String> {
        let (ta, tb) = {
            let x = self.expr(a)?;
            let y = self.expr(b)?;
            if swapped { (y, x) } else { (x, y) }
        };
        if ta != tb {
            return Err(format!(
                "compares or combines {} with {} ({op}); convert one, e.g. {}(…)",
                ta.name(),
                tb.name(),
                ta.name()
            ));
        }
        Ok(ta)
    }

    fn want(&mut self, e: &IdedExpr, ty: CelType, op: &str) -> Result<(), String> {
        let got = self.expr(e)?;
        if got != ty {
            return Err(format!("applies {op} to a value of type {}", got.name()));
        }
        Ok(())
    }

    fn narrow(&mut self, ty: CelType) {
        if let Some(code) = ty.narrow() {
            self.emit(code, 0, 0);
        }
    }

    fn convert(&mut self, to: CelType, x: &IdedExpr) -> Result<CelType, String> {
        // A literal is converted here, with a range check.
        let literal = match &x.expr {
            Expr::Literal(LiteralValue::Int(i)) => Some(i128::from(i.into_inner())),
            Expr::Literal(LiteralValue::UInt(u)) => Some(i128::from(u.into_inner())),
            Expr::Call(c)
                if c.func_name == operators::NEGATE
                    && c.target.is_none()
                    && matches!(
                        c.args.as_slice(),
                        [IdedExpr {
                            expr: Expr::Literal(LiteralValue::Int(_)),
                            ..
                        }]
                    ) =>
            {
                match &c.args[0].expr {
                    Expr::Literal(LiteralValue::Int(i)) => Some(-i128::from(i.into_inner())),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(v) = literal {
            let (lo, hi) = match to {
                CelType::Int32 => (i128::from(i32::MIN), i128::from(i32::MAX)),
                CelType::Uint32 => (0, i128::from(u32::MAX)),
                CelType::Int64 => (i128::from(i64::MIN), i128::from(i64::MAX)),
                _ => (0, i128::from(u64::MAX)),
            };
            if v < lo || v > hi {
                return Err(format!(
                    "converts {v} to {}, which cannot hold it",
                    to.name()
                ));
            }
            self.emit(insn::IMM, 0, v as i64);
            return Ok(to);
        }
        let from = self.expr(x)?;
        if from == CelType::Bool {
            return Err(format!("converts a bool to {}", to.name()));
        }
        // 64-bit words hold 32-bit values already extended by their signedness: only a
        // conversion to a 32-bit type changes the word.
        if from != to {
            self.narrow(to);
        }
        Ok(to)
    }
}

/// The symbol (for messages) and instruction of a binary operator whose operands are emitted
/// in the order written.
fn binary_op(f: &str) -> (&'static str, u8) {
    match f {
        operators::LOGICAL_AND => ("&&", insn::AND),
        operators::LOGICAL_OR => ("||", insn::OR),
        operators::ADD => ("+", insn::ADD),
        operators::SUBSTRACT => ("-", insn::SUB),
        operators::EQUALS => ("==", insn::EQ),
        _ => ("!=", insn::NE),
    }
}

fn describe(e: &Expr) -> &'static str {
    match e {
        Expr::Select(_) => "a field selection",
        Expr::List(_) => "a list",
        Expr::Map(_) => "a map",
        Expr::Struct(_) => "a message",
        Expr::Comprehension(_) => "a macro (all/exists/map/filter)",
        Expr::Literal(_) => "a literal of a type other than int, uint or bool",
        Expr::Call(_) => "a method call",
        _ => "an expression",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARGS: [Option<CelType>; 3] = [Some(CelType::Int32), Some(CelType::Uint64), None];

    fn run(src: &str, args: &[i64]) -> bool {
        let prog =
            compile(src, &CelScope::new(&ARGS, &[])).unwrap_or_else(|e| panic!("{src}: {e}"));
        eval(&prog, args).expect("well formed")
    }

    #[test]
    fn tetragon_example() {
        let src = "arg1 == 18446744073709551615u && arg0 >= int32(1024)";
        assert!(run(src, &[2048, -1]));
        assert!(!run(src, &[100, -1]));
        assert!(!run(src, &[2048, 5]));
    }

    #[test]
    fn arithmetic_comparisons_and_logic() {
        assert!(run("arg0 + int32(1) > int32(5)", &[5, 0]));
        assert!(!run("arg0 + int32(1) > int32(5)", &[4, 0]));
        assert!(run("arg0 - int32(10) < int32(0)", &[3, 0]));
        assert!(run("-arg0 == int32(-3)", &[3, 0]));
        assert!(run("!(arg0 == int32(1)) || arg1 <= 5u", &[1, 5]));
        assert!(!run("!(arg0 == int32(1)) || arg1 <= 5u", &[1, 6]));
        // Unsigned: a huge value is not below 5.
        assert!(!run("arg1 < 5u", &[0, -1]));
        // 32-bit wrap.
        assert!(run("arg0 + int32(1) < int32(0)", &[i64::from(i32::MAX), 0]));
        assert!(run("int(arg0) + 1 > 2147483647", &[i64::from(i32::MAX), 0]));
        assert!(run("uint32(arg0) == uint32(4294967295)", &[-1, 0]));
        assert!(run("true", &[0, 0]));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let err = |src: &str| compile(src, &CelScope::new(&ARGS, &[])).unwrap_err();
        assert!(err("arg0 > 5").contains("compares or combines int32 with int"));
        assert!(err("arg2 == 1").contains("not an integer argument"));
        assert!(err("arg7 == 1").contains("there are 3 argument(s)"));
        assert!(err("data0 == 1").contains("there are 0 data entry(s)"));
        assert!(err("x == 1").contains("arg0, arg1"));
        assert!(err("arg0").contains("must be a condition"));
        assert!(err("arg0.size() == int32(1)").contains("does not evaluate"));
        assert!(err("'a' == 'b'").contains("literal of a type other"));
        assert!(err("int32(5000000000) == arg0").contains("cannot hold it"));
        assert!(err("arg0 ==").contains("does not parse"));
        let long = (0..12)
            .map(|_| "arg0 == int32(1)")
            .collect::<Vec<_>>()
            .join(" || ");
        assert!(err(&long).contains("at most 32"));
    }

    #[test]
    fn data_entries_follow_the_arguments_and_selector_args_remap() {
        let scope = CelScope::new(&ARGS, &[Some(CelType::Uint32)]);
        let prog = compile("data0 == uint32(7) && arg0 > int32(1)", &scope).expect("compiles");
        assert_eq!(
            prog[0],
            CelInsn {
                op: insn::ARG,
                arg: 3,
                imm: 0
            }
        );
        assert_eq!(eval(&prog, &[2, 0, 0, 7]), Some(true));
        assert_eq!(eval(&prog, &[2, 0, 0, 8]), Some(false));
        // `args: [1]` in the matchArgs entry: arg0 is the hook's argument 1.
        let remapped = CelScope {
            args: vec![scope.args[1]],
            data: Vec::new(),
        };
        let prog = compile("arg0 == 5u", &remapped).expect("compiles");
        assert_eq!(
            prog[0],
            CelInsn {
                op: insn::ARG,
                arg: 1,
                imm: 0
            }
        );
        assert!(compile("arg1 == 5u", &remapped).is_err());
    }
}
